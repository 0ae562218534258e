using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Identity.Ca;
using Mesh.Names;

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
    public async Task Certify_TokenMintedOnOtherSilo_Certifies()
    {
        await using var redis = await RedisServer.StartAsync();
        var env = new Dictionary<string, string> { ["MESH_REDIS"] = redis.Address, ["MESH_CLUSTER_ID"] = "e2e-" + Guid.NewGuid().ToString("N")[..6] };
        await using var a = await SiloProcess.StartAsync(env);
        await using var b = await SiloProcess.StartAsync(env);

        using var admin = a.AdminClient();
        var minted = await admin.PostAsJsonAsync("/api/v1/identity/tokens", new { @namespace = "default", serviceAccount = "books" });
        minted.EnsureSuccessStatusCode();
        var token = (await minted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        var id = SpiffeId.Create("cluster.local", "default", "books");
        using var csr = CsrBuilder.Create(id);
        using var channel = ControlChannel.For(b.Control, b.DataDir);
        var response = await new Api.V1.Identity.IdentityClient(channel).CertifyAsync(new CertifyRequest
        {
            Identity = id.Uri, Token = token, CertificateSigningRequest = Google.Protobuf.ByteString.CopyFrom(csr.Der),
        });
        Assert.False(response.LeafCertificate.IsEmpty);
        Assert.DoesNotContain(Convert.ToBase64String(File.ReadAllBytes(Path.Combine(a.DataDir, "identity", "token.key"))), a.Output + b.Output);
    }

    [Fact]
    public async Task Apply_PeerKilledDuringBurst_FailuresAre503WithRetryAfterAndNoAcknowledgedWriteLost()
    {
        await using var redis = await RedisServer.StartAsync();
        var env = new Dictionary<string, string> { ["MESH_REDIS"] = redis.Address, ["MESH_CLUSTER_ID"] = "e2e-" + Guid.NewGuid().ToString("N")[..6] };
        await using var a = await SiloProcess.StartAsync(env);
        await using var b = await SiloProcess.StartAsync(env);
        using var adminA = a.AdminClient();
        using var adminB = b.AdminClient();
        await ApplyAsync(a, Books, TimeSpan.FromSeconds(30));

        const int Applies = 60, KillAt = 20;
        var acknowledged = new List<string>();
        var failures = new List<string>();
        for (var i = 0; i < Applies; i++)
        {
            if (i == KillAt) await b.KillAsync();
            var name = $"burst-{i}";
            var through = i < KillAt && i % 2 == 1 ? adminB : adminA;
            var response = await through.PostAsync("/api/v1/apply", new StringContent(Workload(name, $"127.0.1.{i + 1}")));
            if (response.IsSuccessStatusCode) { acknowledged.Add(name); continue; }
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || response.Headers.RetryAfter is null)
                failures.Add($"{name}: {(int)response.StatusCode} Retry-After={response.Headers.RetryAfter} {body}");
        }
        Assert.Empty(failures);
        Assert.True(acknowledged.Count >= KillAt, $"only {acknowledged.Count} of {Applies} applies acknowledged");

        // Every acknowledged write is there once the cluster has settled (reads may also meet the dying peer: retry).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        HashSet<string> stored = [];
        while (true)
        {
            var list = await adminA.GetAsync("/api/v1/resources/workloads?namespace=default");
            if (list.IsSuccessStatusCode)
            {
                stored = JsonDocument.Parse(await list.Content.ReadAsStringAsync()).RootElement.GetProperty("items").EnumerateArray()
                    .Select(w => w.GetProperty("metadata").GetProperty("name").GetString()!).ToHashSet();
                break;
            }
            Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
            Assert.True(DateTime.UtcNow < deadline, "listing workloads kept answering 503");
            await Task.Delay(200);
        }
        Assert.DoesNotContain(acknowledged, n => !stored.Contains(n));
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
