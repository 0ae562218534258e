using System.Collections;
using System.Net;
using System.Text.RegularExpressions;
using Mesh.ControlPlane.Tests.Federation;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Identity.Ca;
using Mesh.Silo.Hosting;
using static Mesh.ControlPlane.Tests.Federation.LinkMirrorTests;

namespace Mesh.ControlPlane.Tests.E2E;

/// <summary>East is two silo processes on one real redis-server, west one silo exporting books. The east silo holding
/// the link grain — the one whose /metrics reports <c>gateway_alive{target_cluster="west"}</c>, since a link is reported
/// only by the silo that holds it — is SIGKILLed; the survivor's supervisor activates the grain again and a service
/// west exports afterwards is mirrored through it.</summary>
[Trait("Category", "E2E")]
public sealed class LinkGrainFailoverTests
{
    private const string Ns = "link-ha";
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
    private static readonly Regex Hosts = new(@"^gateway_alive\{[^}]*target_cluster=""west""[^}]*\} ", RegexOptions.Multiline);

    [Fact]
    public async Task SiloHoldingTheLinkKilled_SurvivorMirrorsWhatWestExportsNext()
    {
        var root = Directory.CreateTempSubdirectory("mesh-link-ha-").FullName;
        try
        {
            var anchor = CertificateAuthority.Create(TwoClusters.WestDomain);
            anchor.Save(Path.Combine(root, "west", "ca"));
            var eastCa = Path.Combine(root, "east-ca");
            CertificateAuthority.FromAnchor(anchor.Anchor, TwoClusters.EastDomain).Save(eastCa);

            await using var west = await SiloHost.StartAsync(SiloSettingsLoader.Load(
                ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", Path.Combine(root, "west"), "--cluster-name", "west",
                    "--trust-domain", TwoClusters.WestDomain, "--federation", "127.0.0.1:0"],
                new Hashtable { ["MESH_LOG_LEVEL"] = "Error", ["MESH_FEDERATION_HEARTBEAT_MS"] = "200" }));
            await TwoClusters.ApplyAsync(west, $"""
                apiVersion: multicluster.mesh.io/v1alpha1
                kind: FederationPeer
                metadata: {"{"}name: east, namespace: mesh{"}"}
                spec: {"{"}identity: "spiffe://{TwoClusters.EastDomain}/ns/mesh/sa/silo"{"}"}
                """);
            await TwoClusters.ApplyAsync(west, Service(Ns, "books", "mirror.mesh.io/exported: remote-discovery", "app: books")
                + Workload(Ns, "books-1", "books", "10.1.5.1", "books"));

            await using var redis = await RedisServer.StartAsync();
            // One issuer dir for both east silos: one cluster, one CA (what MESH_CA_DIR is for).
            var env = new Dictionary<string, string>
            {
                ["MESH_REDIS"] = redis.Address, ["MESH_CLUSTER_ID"] = "e2e-" + Guid.NewGuid().ToString("N")[..6],
                ["MESH_TRUST_DOMAIN"] = TwoClusters.EastDomain, ["MESH_CA_DIR"] = eastCa,
            };
            await using var a = await SiloProcess.StartAsync(env);
            await using var b = await SiloProcess.StartAsync(env);
            await ApplyAsync(a, Service(Ns, "web", "tier: front", "app: web"));
            await ApplyAsync(a, Link($"127.0.0.1:{west.Settings.Federation!.Port}"));
            await EventuallyAsync(() => MirroredAsync(a, "books-west"), m => m, "books-west mirrored on east");

            var hosts = await EventuallyAsync(async () => new[] { (a, await HoldsLinkAsync(a)), (b, await HoldsLinkAsync(b)) },
                h => h.Count(s => s.Item2) == 1, "exactly one east silo reports the link");
            var (holder, survivor) = hosts[0].Item2 ? (a, b) : (b, a);

            await holder.KillAsync();
            await TwoClusters.ApplyAsync(west, Service(Ns, "authors", "mirror.mesh.io/exported: remote-discovery", "app: authors")
                + Workload(Ns, "authors-1", "authors", "10.1.5.2", "authors"));

            await EventuallyAsync(() => MirroredAsync(survivor, "authors-west"), m => m, "authors-west mirrored through the survivor");
            await EventuallyAsync(() => HoldsLinkAsync(survivor), h => h, "the survivor reports the link");
            Assert.True(await MirroredAsync(survivor, "books-west"), "books-west is still mirrored");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>Whether <paramref name="silo"/> has Service <paramref name="name"/> in <see cref="Ns"/>; false while the
    /// cluster cannot answer yet (calls to the dead silo time out until it is evicted).</summary>
    private static async Task<bool> MirroredAsync(SiloProcess silo, string name)
    {
        using var admin = silo.AdminClient();
        try { return (await admin.GetAsync($"/api/v1/resources/services/{Ns}/{name}")).StatusCode == HttpStatusCode.OK; }
        catch (HttpRequestException) { return false; }
        catch (TaskCanceledException) { return false; }
    }

    private static async Task<bool> HoldsLinkAsync(SiloProcess silo)
    {
        using var http = new HttpClient { BaseAddress = silo.Admin, Timeout = TimeSpan.FromSeconds(30) };
        return Hosts.IsMatch(await http.GetStringAsync("/metrics"));
    }

    private static async Task ApplyAsync(SiloProcess silo, string yaml)
    {
        using var admin = silo.AdminClient();
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml, System.Text.Encoding.UTF8, "application/yaml"));
        Assert.True(response.IsSuccessStatusCode, $"apply answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }
}
