using System.Collections;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Cli.Tests.Fakes;
using Mesh.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>`mesh apply` / `mesh delete` through the real CLI against a real silo (in this process, so the test can write
/// as the Kubernetes sync does through the catalog grain): a resource Kubernetes owns is refused with the owner's
/// message, exit 1, and left as it was.</summary>
[Trait("Category", "E2E")]
public sealed class OwnershipEndToEndTests : IAsyncLifetime
{
    private const string Books = """
        apiVersion: v1
        kind: Service
        metadata: {name: books}
        spec:
          selector: {app: books}
          ports: [{name: http, port: 9090, targetPort: 7001}]
        """;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("mesh-cli-owner-").FullName;
    private readonly TestCli _cli = new();
    private SiloHost _silo = null!;

    public async Task InitializeAsync()
    {
        var settings = SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", _dataDir],
            new Hashtable { ["MESH_LOG_LEVEL"] = "Error" });
        _silo = await SiloHost.StartAsync(settings);
        _cli.Environment["MESH_ADMIN_ADDR"] = _silo.AdminUri.ToString();
        _cli.Environment["MESH_TOKEN"] = File.ReadAllText(Path.Combine(_dataDir, "admin-token")).Trim();
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _cli.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public async Task ApplyAndDelete_KubernetesOwnedService_ExitOneWithUseKubectlAndNothingChanged()
    {
        var parsed = ResourceParser.Parse(Books.Replace("9090", "8080"), "default").Resources.Single();
        var catalog = _silo.Services.GetRequiredService<IGrainFactory>().GetGrain<ICatalogGrain>("default");
        Assert.True((await catalog.WriteAsync(new CatalogBatch(ResourceSources.Kubernetes, 1,
            [new StoredResource(parsed.Kind, parsed.Namespace, parsed.Name, parsed.CanonicalJson, 0)], []))).Ok);

        _cli.Stdin = Books;
        var applied = await _cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 1, applied.ToString());
        Assert.Contains("service books.default is managed by Kubernetes: use kubectl", applied.Err);
        Assert.DoesNotContain("configured", applied.Out);

        var deleted = await _cli.RunAsync("delete", "service", "books");
        Assert.True(deleted.ExitCode == 1, deleted.ToString());
        Assert.Contains("managed by Kubernetes: use kubectl", deleted.Err);

        var kept = await catalog.GetAsync("Service", "books");
        Assert.Equal((ResourceSources.Kubernetes, 1L, parsed.CanonicalJson), (kept!.Source, kept.Generation, kept.Json));
    }
}
