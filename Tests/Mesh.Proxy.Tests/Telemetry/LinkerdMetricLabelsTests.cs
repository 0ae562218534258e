using System.Net;
using System.Text.RegularExpressions;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Telemetry;

/// <summary>The labels Linkerd dashboards and alerts query, on real sidecars over mesh mTLS: inbound tls + client_id,
/// outbound tls + server_id + dst_*; ours (src_identity, dst_identity, backend, …) stay.</summary>
[Trait("Category", "E2E")]
public sealed class LinkerdMetricLabelsTests : IAsyncLifetime
{
    private const string ClientId = "client.default.serviceaccount.identity.mesh.cluster.local";
    private const string ServerId = "books.default.serviceaccount.identity.mesh.cluster.local";
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await _mesh.AddServerAsync("books", new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated });
        _mesh.Discovery.SetService(MeshTopology.Books, [_books.Endpoint()]);
    }

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private static string Series(string metrics, string name) =>
        string.Join("\n", metrics.Split('\n').Where(l => l.StartsWith(name + "{", StringComparison.Ordinal)));

    [Fact]
    public async Task Metrics_AfterAnMtlsRequest_CarryLinkerdsTlsPeerAndDstLabels()
    {
        using var client = _mesh.HttpProxyClient();
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("http://books.default:8080/")).StatusCode);

        var outbound = await _mesh.Client.MetricsAsync();
        var response = Series(outbound, "response_total");
        Assert.Contains($"server_id=\"{ServerId}\"", response);
        Assert.Contains("tls=\"true\"", response);
        Assert.Contains("dst_namespace=\"default\"", response);
        Assert.Contains("dst_service=\"books\"", response);
        Assert.Contains("dst_port=\"8080\"", response);
        Assert.Contains("dst_serviceaccount=\"books\"", response);
        Assert.Contains("dst_identity=\"spiffe://cluster.local/ns/default/sa/books\"", response);
        Assert.Matches("request_total\\{[^}]*dst_service=\"books\"[^}]*\\} 1\n", outbound);
        Assert.Matches("response_latency_ms_bucket\\{[^}]*dst_service=\"books\"[^}]*tls=\"true\"", outbound);

        var inboundMetrics = await _books.Sidecar.MetricsAsync();
        Assert.Matches($"request_total\\{{[^}}]*client_id=\"{Regex.Escape(ClientId)}\"[^}}]*direction=\"inbound\"[^}}]*tls=\"true\"[^}}]*\\}} 1\n", inboundMetrics);
        var inbound = Series(inboundMetrics, "response_total");
        Assert.Contains($"client_id=\"{ClientId}\"", inbound);
        Assert.Contains("tls=\"true\"", inbound);
        Assert.Contains("src_identity=\"spiffe://cluster.local/ns/default/sa/client\"", inbound);
        Assert.DoesNotContain("server_id", inbound);
    }

    [Fact]
    public async Task Metrics_PlaintextClientOnTheInbound_TlsNoIdentityWithoutClientId()
    {
        using var plain = new HttpClient();
        Assert.Equal(HttpStatusCode.Forbidden, (await plain.GetAsync($"http://{_books.Sidecar.Inbound}/")).StatusCode);

        var inboundMetrics = await _books.Sidecar.MetricsAsync();
        Assert.Matches("request_total\\{[^}]*direction=\"inbound\"[^}]*no_tls_reason=\"no_tls_from_remote\"[^}]*tls=\"no_identity\"[^}]*\\} 1\n", inboundMetrics);
        Assert.DoesNotContain("client_id", Series(inboundMetrics, "request_total"));
        var inbound = Series(inboundMetrics, "response_total");
        Assert.Matches("response_total\\{[^}]*no_tls_reason=\"no_tls_from_remote\"[^}]*status_code=\"403\"[^}]*tls=\"no_identity\"", inbound);
        Assert.DoesNotContain("client_id", inbound);
    }
}
