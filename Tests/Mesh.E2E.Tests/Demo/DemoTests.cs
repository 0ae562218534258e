using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace Mesh.E2E.Tests.Demo;

/// <summary>`./mesh demo` as a user runs it: a real silo, five sidecars, the bookstore apps and the traffic generator,
/// all child processes; the final golden metrics must show every service busy, the flaky one flaky, and mTLS
/// on every edge.</summary>
[Trait("Category", "E2E")]
public sealed class DemoTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Demo_Duration_FinalStatsShowTrafficOverMtls()
    {
        var dataDir = Directory.CreateTempSubdirectory("mesh-e2e-demo-").FullName;
        try
        {
            await using var demo = ChildProcess.Start("demo", MeshBinaries.Cli,
                ["demo", "--duration", "25s", "--data-dir", dataDir, "--admin-addr", "127.0.0.1:0", "-o", "json"],
                MeshBinaries.ChildEnvironment(dataDir));
            var json = await demo.WaitForLineAsync(new Regex("^\\{\"services\".*$"), TimeSpan.FromMinutes(4));
            await demo.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
            foreach (var line in demo.Output) output.WriteLine(line);
            Assert.Equal(0, demo.ExitCode);

            var stats = JsonDocument.Parse(json.Value).RootElement;
            var services = stats.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
            foreach (var name in new[] { "web", "books", "authors" })
            {
                Assert.True(services.ContainsKey(name), $"no stats for {name}: {json.Value}");
                Assert.True(services[name].GetProperty("rps").GetDouble() > 0, $"{name} has no traffic: {json.Value}");
            }
            var authorsSuccess = services["authors"].GetProperty("successRate").GetDouble();
            Assert.InRange(authorsSuccess, 0.90, 1.0);
            Assert.True(authorsSuccess < 1.0, "the flaky authors service should fail some requests");

            var edges = stats.GetProperty("edges").EnumerateArray().ToArray();
            Assert.NotEmpty(edges);
            Assert.All(edges, e => Assert.True(e.GetProperty("mtls").GetBoolean(), $"edge {e} is not mTLS"));
            Assert.Contains(edges, e => e.GetProperty("dst").GetString()!.EndsWith("/web", StringComparison.Ordinal));
            Assert.Contains(edges, e => e.GetProperty("dst").GetString()!.EndsWith("/books", StringComparison.Ordinal));
            Assert.Contains(edges, e => e.GetProperty("dst").GetString()!.EndsWith("/authors", StringComparison.Ordinal));

            // Everything it started is gone: the silo removed its silo.json on a clean stop.
            Assert.False(File.Exists(Path.Combine(dataDir, "silo.json")), "the demo's silo did not stop cleanly");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }
}
