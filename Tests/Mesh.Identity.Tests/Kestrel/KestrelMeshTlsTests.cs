using System.Net;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Mesh.Identity.Metrics;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Tests.Kestrel;

/// <summary>HTTP over mesh TLS: Kestrel + UseMeshTls on the server, HttpClient + the connect callback on the client.</summary>
public sealed class KestrelMeshTlsTests : IAsyncLifetime
{
    private readonly TestPki _pki = new();
    private readonly MeshTlsMetrics _metrics = new();
    private readonly MetricsRecorder _recorder;
    private MeshTlsKestrelHost? _host;

    public KestrelMeshTlsTests() => _recorder = new MetricsRecorder(_metrics);

    public async Task InitializeAsync()
    {
        _host = await MeshTlsKestrelHost.StartAsync(new MeshTlsServerOptions
        {
            Credentials = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("books", "books"))),
            Metrics = _metrics,
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        _recorder.Dispose();
        _metrics.Dispose();
    }

    private HttpClient Client(IReadOnlyList<string>? alpn = null, Version? version = null)
    {
        var options = new MeshTlsClientOptions
        {
            Credentials = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("web", "frontend"))),
            Metrics = _metrics,
            ApplicationProtocols = alpn ?? [MeshCrypto.Alpn.Http2],
        };
        var handler = MeshTlsConnectCallback.CreateHandler(options, endPoint => "spiffe://cluster.local/ns/books/sa/books");
        return new HttpClient(handler)
        {
            BaseAddress = new Uri($"http://127.0.0.1:{_host!.Port}/"),
            DefaultRequestVersion = version ?? HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(60),
        };
    }

    [Fact]
    [Trait("Category", "E2E")]
    public async Task Http2_ThousandConcurrentRequestsOverOneConnection_AllSucceedWithoutStall()
    {
        using var client = Client();
        // Warm up: one handshake, so all 1,000 requests share that one connection.
        Assert.Contains("protocol=HTTP/2", await client.GetStringAsync("/"));

        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var requests = Enumerable.Range(0, 1000).Select(async _ =>
        {
            using var response = await client.GetAsync("/", deadline.Token);
            response.EnsureSuccessStatusCode();
            Assert.Equal(HttpVersion.Version20, response.Version);
            return await response.Content.ReadAsStringAsync(deadline.Token);
        }).ToArray();
        var bodies = await Task.WhenAll(requests).WaitAsync(deadline.Token);

        Assert.All(bodies, b => Assert.Contains("peer=spiffe://cluster.local/ns/web/sa/frontend group=X25519MLKEM768", b));
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.Handshakes, ("side", "server"), ("result", "success")));
    }

    [Fact]
    public async Task Http2_ListenerWithHttp2Only_ServesOverMeshTls()
    {
        await using var http2Only = await MeshTlsKestrelHost.StartAsync(new MeshTlsServerOptions
        {
            Credentials = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("books", "books"))),
            Metrics = _metrics,
        }, Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        using var client = Client();
        var body = await client.GetStringAsync($"http://127.0.0.1:{http2Only.Port}/");
        Assert.Contains("protocol=HTTP/2", body);
    }

    [Fact]
    public async Task Http11_AlpnHttp11_KestrelSpeaksHttp11()
    {
        using var client = Client([MeshCrypto.Alpn.Http11], HttpVersion.Version11);
        var body = await client.GetStringAsync("/");
        Assert.Contains("protocol=HTTP/1.1", body);
        Assert.Contains("group=X25519MLKEM768", body);
    }

    [Fact]
    public async Task ConnectCallback_WrongExpectedIdentity_RequestFailsWithIdentityMismatch()
    {
        var options = new MeshTlsClientOptions { Credentials = new(_pki.Issue(TestPki.Id("web", "frontend"))), Metrics = _metrics };
        using var client = new HttpClient(MeshTlsConnectCallback.CreateHandler(options, _ => "spiffe://cluster.local/ns/books/sa/reviews"))
        {
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetStringAsync($"http://127.0.0.1:{_host!.Port}/"));
        var tls = Assert.IsType<MeshTlsException>(e.InnerException);
        Assert.Equal(MeshTlsError.IdentityMismatch, tls.Error);
    }
}
