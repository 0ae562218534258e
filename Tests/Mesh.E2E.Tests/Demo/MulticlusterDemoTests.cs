using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.E2E.Tests.Support;
using Xunit.Abstractions;

namespace Mesh.E2E.Tests.Demo;

/// <summary>`./mesh demo --multicluster` as a user runs it: two real silos (east.mesh and west.mesh under one anchor),
/// west's gateway, sidecars and apps, all child processes. East's web reaches books only through the Link's mirror
/// books-west and west's gateway, so west's books and authors being busy proves the cross-cluster path; every edge in
/// both clusters must be mTLS, and west's books must admit east's web (the identity the gateway forwards, which books'
/// Server trusts from the gateway) although its policy does not name the gateway.</summary>
[Trait("Category", "E2E")]
public sealed class MulticlusterDemoTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MulticlusterDemo_Duration_EastCallsWestThroughTheGatewayOverMtls()
    {
        var dataDir = Directory.CreateTempSubdirectory("mesh-e2e-demo-mc-").FullName;
        try
        {
            await using var demo = ChildProcess.Start("demo", MeshBinaries.Cli,
                ["demo", "--multicluster", "--duration", "20s", "--data-dir", dataDir, "--admin-addr", "127.0.0.1:0", "-o", "json"],
                MeshBinaries.ChildEnvironment(dataDir));
            var json = await demo.WaitForLineAsync(new Regex("^\\{\"clusters\".*$"), TimeSpan.FromMinutes(5));
            await demo.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMinutes(1)).Token);
            foreach (var line in demo.Output) output.WriteLine(line);
            Assert.Equal(0, demo.ExitCode);

            var clusters = JsonDocument.Parse(json.Value).RootElement.GetProperty("clusters");
            var east = Services(clusters.GetProperty("east"));
            var west = Services(clusters.GetProperty("west"));
            AssertBusy(east, "web", json.Value);
            AssertBusy(west, "books", json.Value);
            AssertBusy(west, "authors", json.Value);
            Assert.False(west.ContainsKey("web"), "web runs only in east");
            Assert.False(east.ContainsKey("authors"), "authors runs only in west");

            foreach (var cluster in new[] { "east", "west" })
            {
                var edges = clusters.GetProperty(cluster).GetProperty("edges").EnumerateArray().ToArray();
                Assert.NotEmpty(edges);
                Assert.All(edges, e => Assert.True(e.GetProperty("mtls").GetBoolean(), $"{cluster} edge {e} is not mTLS"));
            }
            // East's web reaches books through west's gateway: the peer its sidecar verified is the gateway's identity.
            Assert.Contains(clusters.GetProperty("east").GetProperty("edges").EnumerateArray(),
                e => e.GetProperty("dst").GetString() == "default/books" && e.GetProperty("dstIdentity").GetString() == "spiffe://west.mesh/ns/mesh/sa/gateway");
            // West's edges are the callers' outbound reports: the gateway calls books. Books' only AuthorizationPolicy names
            // east's web, not the gateway, so those calls succeeding means books authorized the identity the gateway
            // forwarded (its Server trusts the gateway); without trustedGateways every one is a 403.
            var viaGateway = Assert.Single(clusters.GetProperty("west").GetProperty("edges").EnumerateArray(),
                e => e.GetProperty("srcIdentity").GetString() == "spiffe://west.mesh/ns/mesh/sa/gateway" && e.GetProperty("dst").GetString() == "default/books");
            Assert.True(viaGateway.GetProperty("successRate").GetDouble() > 0.5, $"books refused east's web forwarded by the gateway: {viaGateway}");

            // Both silos stopped cleanly.
            foreach (var cluster in new[] { "east", "west" })
                Assert.False(File.Exists(Path.Combine(dataDir, cluster, "silo.json")), $"{cluster}'s silo did not stop cleanly");
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static Dictionary<string, JsonElement> Services(JsonElement cluster) =>
        cluster.GetProperty("services").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);

    private static void AssertBusy(Dictionary<string, JsonElement> services, string name, string json)
    {
        Assert.True(services.ContainsKey(name), $"no stats for {name}: {json}");
        Assert.True(services[name].GetProperty("rps").GetDouble() > 0, $"{name} has no traffic: {json}");
        Assert.True(services[name].GetProperty("successRate").GetDouble() > 0.5, $"{name} mostly fails: {json}");
    }
}
