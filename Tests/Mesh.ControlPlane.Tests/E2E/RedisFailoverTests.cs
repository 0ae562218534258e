using System.Net;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.E2E;

/// <summary>Two silo processes on one real redis-server: a watcher on silo A keeps receiving updates after silo B —
/// which held some of the grains, since the first apply went through B — is killed.</summary>
[Trait("Category", "E2E")]
public sealed class RedisFailoverTests
{
    private const string Books = """
        apiVersion: v1
        kind: Service
        metadata: {name: books}
        spec:
          selector: {app: books}
          ports: [{name: http, port: 8080, targetPort: 7001}]
        """;

    private static string Workload(string name, string address) => $$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: {{name}}
          labels:
            app: books
        spec:
          addresses: [{{address}}]
          ports: [{name: http, port: 7001}]
        """;

    /// <summary>Applies, retrying while the cluster is still evicting the dead silo (calls to it time out meanwhile).</summary>
    private static async Task ApplyAsync(SiloProcess silo, string yaml, TimeSpan within)
    {
        using var admin = silo.AdminClient();
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            HttpResponseMessage? response = null;
            try { response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml)); }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            if (response?.StatusCode == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"apply through {silo.Admin} kept failing: {response?.StatusCode} {(response is null ? "" : await response.Content.ReadAsStringAsync())}");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task Watch_SiloHoldingGrainsKilled_WatcherOnSurvivorKeepsReceiving()
    {
        await using var redis = await RedisServer.StartAsync();
        var env = new Dictionary<string, string> { ["MESH_REDIS"] = redis.Address, ["MESH_CLUSTER_ID"] = "e2e-" + Guid.NewGuid().ToString("N")[..6] };
        await using var a = await SiloProcess.StartAsync(env);
        await using var b = await SiloProcess.StartAsync(env);

        await ApplyAsync(b, $"{Books}\n---\n{Workload("books-1", "127.0.0.11")}", TimeSpan.FromSeconds(30));

        using var channel = Support.ControlChannel.For(a.Control, a.DataDir);
        await using var watch = new WatchClient(new Api.V1.Discovery.DiscoveryClient(channel), "books.default.svc.cluster.local:8080");
        await watch.WaitUntil(w => w.Endpoints.ContainsKey("127.0.0.11:7001"), "first endpoint", TimeSpan.FromSeconds(30));

        await b.KillAsync();
        await ApplyAsync(a, Workload("books-2", "127.0.0.12"), TimeSpan.FromSeconds(30));
        await watch.WaitUntil(w => w.Endpoints.ContainsKey("127.0.0.12:7001"), "endpoint applied after the kill", TimeSpan.FromSeconds(30));
        Assert.Null(watch.Error);
    }

    [Fact]
    public async Task Silo_Sigterm_ExitsCleanlyAndRemovesSiloJson()
    {
        await using var silo = await SiloProcess.StartAsync(new Dictionary<string, string>());
        var info = Path.Combine(silo.DataDir, "silo.json");
        Assert.Contains($"\"pid\":{silo.Pid}", File.ReadAllText(info));

        Assert.Equal(0, await silo.TerminateAsync(TimeSpan.FromSeconds(30)));
        Assert.False(File.Exists(info));
        Assert.Contains("mesh-silo: stopped", silo.Output);
    }
}
