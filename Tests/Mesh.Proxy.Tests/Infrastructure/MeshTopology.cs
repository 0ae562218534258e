using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>Fake silo + a client-side sidecar + any number of server apps each with their own sidecar, all on 127.0.0.1.</summary>
public sealed class MeshTopology : IAsyncDisposable
{
    public const string Books = "books.default:8080";
    private readonly List<IAsyncDisposable> _owned = [];

    private readonly Func<ProxySettings, ProxySettings> _configure;
    private string? _anchorsFile;

    private MeshTopology(FakeDiscoveryServer discovery, Func<ProxySettings, ProxySettings>? configure)
    {
        Discovery = discovery;
        _configure = configure ?? (s => s);
    }

    public FakeDiscoveryServer Discovery { get; }
    public RunningProxy Client { get; private set; } = null!;
    public StringWriter ClientOutput { get; } = new();

    /// <summary>Starts the fake silo and the client sidecar; <paramref name="configure"/> adjusts every sidecar's settings,
    /// <paramref name="prepare"/> the fake silo before any sidecar connects.</summary>
    public static async Task<MeshTopology> StartAsync(Func<ProxySettings, ProxySettings>? configure = null, Action<FakeDiscoveryServer>? prepare = null)
    {
        var mesh = new MeshTopology(await FakeDiscoveryServer.StartAsync(), configure);
        prepare?.Invoke(mesh.Discovery);
        mesh.Discovery.SetInbound("client", new InboundPolicy { Exists = true });
        mesh.Client = await ProxyHost.StartAsync(mesh._configure(Settings(mesh.Discovery, "client")), mesh.ClientOutput);
        await mesh.Client.Ready.WaitAsync(TimeSpan.FromSeconds(15));
        mesh._owned.Add(mesh.Client);
        return mesh;
    }

    /// <summary>The same with mesh mTLS between every sidecar: a fresh CA whose leaves the fake silo's Certify issues, and
    /// its trust anchors in a temp file every sidecar reads (deleted with the topology).</summary>
    public static async Task<MeshTopology> StartWithMeshTlsAsync()
    {
        var ca = Mesh.Identity.Ca.CertificateAuthority.Create();
        var anchors = Path.Combine(Path.GetTempPath(), $"mesh-anchors-{Guid.NewGuid():N}.pem");
        ca.TrustBundle.Save(anchors);
        try
        {
            var mesh = await StartAsync(s => s with { TrustAnchorsPath = anchors, Token = "test-token" }, d => d.Ca = ca);
            mesh._anchorsFile = anchors;
            return mesh;
        }
        catch
        {
            File.Delete(anchors);
            throw;
        }
    }

    public static ProxySettings Settings(FakeDiscoveryServer discovery, string workload) => new()
    {
        Namespace = "default",
        Workload = workload,
        ServiceAccount = workload,
        InboundAddress = new IPEndPoint(IPAddress.Loopback, 0),
        OutboundAddress = new IPEndPoint(IPAddress.Loopback, 0),
        AdminAddress = new IPEndPoint(IPAddress.Loopback, 0),
        ControlAddress = discovery.Address,
        DrainTimeout = TimeSpan.FromSeconds(2),
    };

    /// <summary>Starts a sidecar alone (for an app the test runs itself, e.g. an <see cref="EchoServer"/>);
    /// <paramref name="adjust"/> changes its settings after the topology's own (e.g. gateway mode).</summary>
    public async Task<RunningProxy> AddSidecarAsync(string name, InboundPolicy? policy = null, Func<ProxySettings, ProxySettings>? adjust = null)
    {
        Discovery.SetInbound(name, policy ?? new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated });
        var settings = _configure(Settings(Discovery, name));
        var sidecar = await ProxyHost.StartAsync(adjust is null ? settings : adjust(settings));
        _owned.Add(sidecar);
        await sidecar.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        return sidecar;
    }

    /// <summary>Starts an app and its sidecar; the sidecar's inbound policy is <paramref name="policy"/> (default: all-unauthenticated).</summary>
    public async Task<Server> AddServerAsync(string name, InboundPolicy? policy = null)
    {
        var app = await TestApp.StartAsync(name);
        _owned.Add(app);
        var p = policy ?? new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        p.Ports["http"] = (uint)app.HttpPort;
        p.Ports["grpc"] = (uint)app.GrpcPort;
        Discovery.SetInbound(name, p);
        // As `mesh run` starts it: --app-addr ip:port names the default port (the HTTP one; gRPC comes with a target port).
        var sidecar = await ProxyHost.StartAsync(_configure(Settings(Discovery, name)) with { AppPort = app.HttpPort });
        _owned.Add(sidecar);
        await sidecar.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        return new Server(app, sidecar);
    }

    /// <summary>Sends through the client sidecar as an HTTP proxy (absolute-form requests).</summary>
    public HttpClient HttpProxyClient() => new(new SocketsHttpHandler
    {
        Proxy = new WebProxy($"http://{Client.Outbound}"),
        UseProxy = true,
        PooledConnectionLifetime = TimeSpan.FromMinutes(1),
    }) { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends to the outbound port with the service in the Host header (origin-form; HTTP/2 when asked).</summary>
    public HttpClient OutboundClient() => new(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://{Client.Outbound}"), Timeout = TimeSpan.FromSeconds(30) };

    public static HttpRequestMessage Get(string authority, string path, bool http2 = false)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Host = authority;
        if (http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) await _owned[i].DisposeAsync();
        await Discovery.DisposeAsync();
        if (_anchorsFile is not null) File.Delete(_anchorsFile);
    }

    public sealed record Server(TestApp App, RunningProxy Sidecar)
    {
        public string Key => $"127.0.0.1:{App.HttpPort}";

        /// <summary>The endpoint as discovery announces it: meshed, reachable on the sidecar's inbound port.</summary>
        public Endpoint Endpoint(bool grpc = false, bool meshed = true) => new()
        {
            Key = $"127.0.0.1:{(grpc ? App.GrpcPort : App.HttpPort)}",
            Address = "127.0.0.1",
            Port = (uint)(grpc ? App.GrpcPort : App.HttpPort),
            Weight = 1,
            Identity = meshed ? $"spiffe://cluster.local/ns/default/sa/{App.Name}" : "",
            ProxyPort = meshed ? (uint)Sidecar.Inbound.Port : 0,
            ProtocolHint = meshed ? ProtocolHint.H2 : ProtocolHint.Unknown,
            Workload = App.Name,
            Ready = true,
        };
    }
}
