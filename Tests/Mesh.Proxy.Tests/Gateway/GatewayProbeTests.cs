using System.Net;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;
using Mesh.Names;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Gateway;

/// <summary>What a gateway answers a linked cluster's probe on its mesh mTLS data port: the probe authority and path
/// are the gateway's own (never routed to a service), for mesh identities only.</summary>
[Trait("Category", "E2E")]
public sealed class GatewayProbeTests : IAsyncLifetime
{
    private const string GatewayIdentity = "spiffe://cluster.local/ns/default/sa/gateway";
    private MeshTopology _mesh = null!;
    private RunningProxy _gateway = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _gateway = await _mesh.AddSidecarAsync("gateway", new InboundPolicy { Exists = false },
            s => s with { Mode = ProxyMode.Gateway, DefaultInboundPolicy = DefaultInboundPolicy.AllAuthenticated });
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    /// <summary>A client as a linked silo probes: its own mesh certificate, the gateway's identity expected.</summary>
    private HttpClient ProbeClient()
    {
        var ca = _mesh.Discovery.Ca!;
        var id = SpiffeId.Create("cluster.local", "mesh", "silo");
        var csr = CsrBuilder.Create(id);
        var credentials = new MeshCredentialsHolder(MeshCredentials.Create(csr, ca.IssueLeafOrThrow(csr.Der, id), ca.TrustBundle));
        return new HttpClient(MeshTlsConnectCallback.CreateHandler(new MeshTlsClientOptions { Credentials = credentials, ExpectedIdentity = GatewayIdentity }))
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    private HttpRequestMessage Probe(string path, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, $"http://{_gateway.Inbound}{path}")
        {
            Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = MulticlusterNames.GatewayProbeAuthority;
        return request;
    }

    [Fact]
    public async Task ProbePath_MeshClient_GatewayAnswersReady()
    {
        using var client = ProbeClient();
        var response = await client.SendAsync(Probe(MulticlusterNames.DefaultProbePath));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ready\n", await response.Content.ReadAsStringAsync());
        // Answered by the gateway: nothing was routed, so no outbound request was counted.
        Assert.DoesNotContain("request_total{authority=\"mesh-gateway-probe", await _gateway.MetricsAsync());
    }

    [Fact]
    public async Task OtherPath_OfTheProbeAuthority_Is404SayingWhichPathIsServed()
    {
        using var client = ProbeClient();
        var response = await client.SendAsync(Probe("/healthz"));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Contains("answers only /ready", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProbePath_PostMethod_Is405()
    {
        using var client = ProbeClient();
        var response = await client.SendAsync(Probe(MulticlusterNames.DefaultProbePath, HttpMethod.Post));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
    }

    [Fact]
    public async Task ProbePath_PlaintextClient_IsRefused()
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Get, $"http://{_gateway.Inbound}{MulticlusterNames.DefaultProbePath}");
        request.Headers.Host = MulticlusterNames.GatewayProbeAuthority;
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("only mesh mTLS clients", await response.Content.ReadAsStringAsync());
    }
}
