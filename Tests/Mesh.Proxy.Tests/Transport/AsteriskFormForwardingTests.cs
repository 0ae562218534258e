using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>`OPTIONS *` (asterisk-form, RFC 9112 §3.2.4) reaches the app as `OPTIONS *` (S4 of issue 10): through two
/// sidecars over mesh mTLS, through the outbound to an address outside the mesh, and on the inbound straight from a
/// plaintext client, over HTTP/1.1 and HTTP/2; a raw app records the request-line that really arrived. The mesh-internal
/// `mesh-request-target` field never turns another request into `*`, and never reaches the app.</summary>
[Trait("Category", "E2E")]
public sealed class AsteriskFormForwardingTests : IAsyncLifetime
{
    private readonly RecordingApp _app = new();
    private MeshTopology _mesh = null!;
    private RunningProxy _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        policy.Ports["http"] = (uint)_app.Port;
        _books = await _mesh.AddSidecarAsync("books", policy);
        _mesh.Discovery.SetService(MeshTopology.Books,
        [
            new Api.V1.Endpoint
            {
                Key = $"127.0.0.1:{_app.Port}", Address = "127.0.0.1", Port = (uint)_app.Port, Weight = 1, Ready = true, Workload = "books",
                Identity = "spiffe://cluster.local/ns/default/sa/books", ProxyPort = (uint)_books.Inbound.Port, ProtocolHint = ProtocolHint.H2,
            },
        ]);
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        _app.Dispose();
    }

    private string AppAddress => $"127.0.0.1:{_app.Port}";

    /// <summary>Sends one raw HTTP/1.1 request and returns the head the app received.</summary>
    private async Task<string> ExchangeAsync(IPEndPoint port, string requestLine, string host, string extra = "")
    {
        var answer = await RawTcp.ExchangeAsync(port, $"{requestLine}\r\nHost: {host}\r\nConnection: close\r\n{extra}\r\n", expectAtLeast: int.MaxValue);
        Assert.True(answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal), answer);
        return Assert.Single(_app.Heads);
    }

    private static string RequestLine(string head) => head.Split("\r\n")[0];

    [Fact]
    public async Task OptionsAsterisk_ThroughTwoSidecarsOverMeshTls_ReachesTheAppAsAsterisk()
    {
        var head = await ExchangeAsync(_mesh.Client.Outbound, "OPTIONS * HTTP/1.1", MeshTopology.Books);
        Assert.Equal("OPTIONS * HTTP/1.1", RequestLine(head));
        Assert.DoesNotContain("mesh-request-target", head, StringComparison.OrdinalIgnoreCase);
        // It crossed the mesh leg: books' sidecar counted it as an inbound request from the client's identity.
        Assert.Contains("client_id=\"client.default.serviceaccount.identity.mesh", await _books.MetricsAsync());
    }

    [Theory]
    [InlineData("outbound")]
    [InlineData("inbound")]
    public async Task OptionsAsteriskOverHttp2_ReachesTheAppAsAsterisk(string port)
    {
        var answer = await RawH2.ExchangeAsync(port == "inbound" ? _books.Inbound : _mesh.Client.Outbound, "OPTIONS", "*", MeshTopology.Books);
        Assert.Equal(H2Answer.Status200, answer);
        Assert.Equal("OPTIONS * HTTP/1.1", RequestLine(Assert.Single(_app.Heads)));
    }

    [Fact]
    public async Task OptionsAsterisk_ToAnAddressOutsideTheMesh_IsPassedThroughAsAsterisk()
    {
        var head = await ExchangeAsync(_mesh.Client.Outbound, "OPTIONS * HTTP/1.1", AppAddress);
        Assert.Equal("OPTIONS * HTTP/1.1", RequestLine(head));
        Assert.DoesNotContain("direction=\"inbound\"", await _books.MetricsAsync());
    }

    [Fact]
    public async Task OptionsAbsoluteFormWithoutPath_ToTheOutboundAsProxy_ReachesTheAppAsAsterisk()
    {
        // RFC 9112 §3.2.4: the last proxy sends `*` for an OPTIONS whose absolute-form URI has an empty path.
        var head = await ExchangeAsync(_mesh.Client.Outbound, $"OPTIONS http://{AppAddress} HTTP/1.1", AppAddress);
        Assert.Equal("OPTIONS * HTTP/1.1", RequestLine(head));
    }

    [Fact]
    public async Task OptionsAsterisk_FromAPlaintextClientOnTheInbound_ReachesTheAppAsAsterisk()
    {
        var head = await ExchangeAsync(_books.Inbound, "OPTIONS * HTTP/1.1", MeshTopology.Books);
        Assert.Equal("OPTIONS * HTTP/1.1", RequestLine(head));
    }

    [Fact]
    public async Task OptionsSlash_ThroughTheMesh_StaysSlash()
    {
        var head = await ExchangeAsync(_mesh.Client.Outbound, "OPTIONS / HTTP/1.1", MeshTopology.Books);
        Assert.Equal("OPTIONS / HTTP/1.1", RequestLine(head));
    }

    public static TheoryData<string, string> ClientHeaderCases => new()
    {
        { "outbound", "OPTIONS / HTTP/1.1" },
        { "outbound", "OPTIONS /x HTTP/1.1" },
        { "outbound", "OPTIONS /?q=1 HTTP/1.1" },
        { "outbound", "GET / HTTP/1.1" },
        { "inbound", "OPTIONS / HTTP/1.1" },
        { "inbound", "GET / HTTP/1.1" },
        { "passthrough", "OPTIONS / HTTP/1.1" },
    };

    /// <summary>The app (on the outbound) or a plaintext client (on the inbound) names the internal field itself: it is
    /// taken off and changes nothing, whatever the method and path.</summary>
    [Theory]
    [MemberData(nameof(ClientHeaderCases))]
    public async Task ClientsOwnRequestTargetField_IsStrippedAndChangesNothing(string port, string requestLine)
    {
        var head = await ExchangeAsync(port == "inbound" ? _books.Inbound : _mesh.Client.Outbound, requestLine,
            port == "passthrough" ? AppAddress : MeshTopology.Books, "mesh-request-target: *\r\n");
        Assert.Equal(requestLine, RequestLine(head));
        Assert.DoesNotContain("mesh-request-target", head, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("outbound")]
    [InlineData("inbound")]
    public async Task GetAsterisk_IsRefused405AndNothingReachesTheApp(string port)
    {
        var answer = await RawTcp.ExchangeAsync(port == "inbound" ? _books.Inbound : _mesh.Client.Outbound,
            $"GET * HTTP/1.1\r\nHost: {MeshTopology.Books}\r\nConnection: close\r\nmesh-request-target: *\r\n\r\n", expectAtLeast: int.MaxValue);
        // Kestrel's own answer: asterisk-form is for OPTIONS only (RFC 9112 §3.2.4).
        Assert.StartsWith("HTTP/1.1 405", answer);
        Assert.Empty(_app.Heads);
    }
}
