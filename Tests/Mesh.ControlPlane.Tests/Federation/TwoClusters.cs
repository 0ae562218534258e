using System.Collections;
using System.Net.Http.Headers;
using System.Text;
using Grpc.Net.Client;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Names;
using Mesh.Silo.Federation;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>Two real silos on loopback, clusters west (serving the federation API) and east, with their own data dirs
/// and trust domains under one trust anchor (an issuer each, as issue 13 sets clusters up). East's silo is allowed on
/// west's allow list; west's federation heartbeat is 200 ms so tests see heartbeats quickly.</summary>
public sealed class TwoClusters : IAsyncLifetime
{
    public const string WestDomain = "west.mesh", EastDomain = "east.mesh";
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);

    private readonly string _root = Directory.CreateTempSubdirectory("mesh-federation-test-").FullName;

    public SiloHost West { get; private set; } = null!;
    public SiloHost East { get; private set; } = null!;
    public string WestIdentity => SpiffeId.Format(WestDomain, "mesh", "silo");
    public string EastIdentity => SpiffeId.Format(EastDomain, "mesh", "silo");
    public string FederationAddress => $"127.0.0.1:{West.Settings.Federation!.Port}";

    public async Task InitializeAsync()
    {
        var anchor = CertificateAuthority.Create(WestDomain);
        anchor.Save(Path.Combine(_root, "west", "ca"));
        // East: its own issuer for its own trust domain under the shared anchor (an issuer signs only its domain's leaves).
        CertificateAuthority.FromAnchor(anchor.Anchor, EastDomain).Save(Path.Combine(_root, "east", "ca"));
        West = await StartAsync("west", WestDomain, ["--federation", "127.0.0.1:0", "--multicluster-gateway", "127.0.0.1:4143",
            "--multicluster-gateway-identity", SpiffeId.Format(WestDomain, "mesh", "gateway")]);
        East = await StartAsync("east", EastDomain, []);
        await ApplyAsync(West, $"""
            apiVersion: multicluster.mesh.io/v1alpha1
            kind: FederationPeer
            metadata: {"{"}name: east, namespace: mesh{"}"}
            spec: {"{"}identity: "{EastIdentity}"{"}"}
            """);
    }

    private async Task<SiloHost> StartAsync(string cluster, string trustDomain, string[] extra)
    {
        var settings = SiloSettingsLoader.Load(
            ["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", Path.Combine(_root, cluster), "--cluster-name", cluster,
                "--trust-domain", trustDomain, .. extra],
            new Hashtable { ["MESH_LOG_LEVEL"] = "Error", ["MESH_FEDERATION_HEARTBEAT_MS"] = ((int)Heartbeat.TotalMilliseconds).ToString() });
        return await SiloHost.StartAsync(settings);
    }

    /// <summary>A federation channel to west presenting east's own silo certificate (what a LinkGrain on east uses).</summary>
    public GrpcChannel EastToWest() =>
        FederationChannel.Create(FederationAddress, WestIdentity, East.Services.GetRequiredService<SiloCredentials>().Holder);

    /// <summary>A federation channel to west presenting a certificate <paramref name="silo"/>'s CA issues for ns/sa.</summary>
    public GrpcChannel As(SiloHost silo, string ns, string sa)
    {
        var id = SpiffeId.Create(silo.Settings.TrustDomain, ns, sa);
        var ca = silo.Services.GetRequiredService<SiloCertificateAuthority>().Authority;
        using var csr = CsrBuilder.Create(id);
        var issued = ca.IssueLeafOrThrow(csr.Der, id);
        var key = System.Security.Cryptography.ECDsa.Create(csr.Key.ExportParameters(includePrivateParameters: true));
        return FederationChannel.Create(FederationAddress, WestIdentity,
            new MeshCredentialsHolder(MeshCredentials.Create(key, issued.Leaf, issued.Intermediates, ca.TrustBundle)));
    }

    public static async Task ApplyAsync(SiloHost silo, string yaml)
    {
        using var admin = new HttpClient { BaseAddress = silo.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(silo.Settings.DataDir, "admin-token")).Trim());
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(yaml, Encoding.UTF8, "application/yaml"));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"apply answered {(int)response.StatusCode}: {body}");
    }

    public static async Task DeleteAsync(SiloHost silo, string kind, string ns, string name)
    {
        using var admin = new HttpClient { BaseAddress = silo.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            File.ReadAllText(Path.Combine(silo.Settings.DataDir, "admin-token")).Trim());
        var response = await admin.DeleteAsync($"/api/v1/resources/{kind}/{ns}/{name}");
        Assert.True(response.IsSuccessStatusCode, $"delete answered {(int)response.StatusCode}");
    }

    /// <summary>Stops east's silo and starts it again on the same data dir (its catalog and grain state persist).</summary>
    public async Task RestartEastAsync()
    {
        await East.DisposeAsync();
        East = await StartAsync("east", EastDomain, []);
    }

    private bool _westStopped;

    /// <summary>Stops west's silo (its federation stream to east ends with it).</summary>
    public async Task StopWestAsync()
    {
        _westStopped = true;
        await West.DisposeAsync();
    }

    public async Task DisposeAsync()
    {
        await East.DisposeAsync();
        if (!_westStopped) await West.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }
}
