using System.Net;
using System.Text;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Telemetry;

/// <summary>With a collector configured, both sidecars of a call export their spans of the client's trace and their
/// metrics over OTLP/gRPC; the app sees the trace continued by the proxies' spans. Child processes: span listeners are
/// process-wide, so in-process sidecars would see each other's spans.</summary>
[Trait("Category", "E2E")]
public sealed class OtlpExportTests : IAsyncLifetime
{
    private const string Authority = "books.default:8080";
    private FakeOtlpCollector _collector = null!;
    private FakeDiscoveryServer _discovery = null!;
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        _collector = await FakeOtlpCollector.StartAsync();
        _discovery = await FakeDiscoveryServer.StartAsync();
        _app = await TestApp.StartAsync("omega");
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        await _discovery.DisposeAsync();
        await _collector.DisposeAsync();
    }

    /// <param name="fromOtelVariable">The collector named by OpenTelemetry's OTEL_EXPORTER_OTLP_ENDPOINT (applied by the
    /// SDK) rather than by --otlp-endpoint (applied by the proxy).</param>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task BothSidecars_ExportSpansOfTheClientsTrace_AndMetrics(bool fromOtelVariable)
    {
        var server = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        server.Ports["http"] = (uint)_app.HttpPort;
        _discovery.SetInbound("omega", server);
        _discovery.SetInbound("alpha", new InboundPolicy { Exists = true });
        using var omega = StartSidecar("omega", fromOtelVariable);
        await omega.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));
        _discovery.SetService(Authority,
        [
            new Mesh.Api.V1.Endpoint
            {
                Key = $"127.0.0.1:{_app.HttpPort}", Address = "127.0.0.1", Port = (uint)_app.HttpPort, Weight = 1, Ready = true,
                Identity = "spiffe://cluster.local/ns/default/sa/omega", ProxyPort = (uint)omega.ListenerAddress("inbound").Port,
                ProtocolHint = ProtocolHint.H2, Workload = "omega",
            },
        ]);
        using var alpha = StartSidecar("alpha", fromOtelVariable);
        await alpha.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));

        const string traceId = "0af7651916cd43dd8448eb211c80319c", clientSpan = "b7ad6b7169203331";
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(30) };
        var request = MeshTopology.Get(Authority, "/traced");
        request.RequestUri = new Uri($"http://{alpha.ListenerAddress("outbound")}/traced");
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{traceId}-{clientSpan}-01");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The trace goes on through the proxies: same trace id, a proxy's span as the app's parent.
        var seen = _app.LastHeaders!["traceparent"].Split('-');
        Assert.Equal(traceId, seen[1]);
        Assert.NotEqual(clientSpan, seen[2]);

        var id = Convert.FromHexString(traceId);
        await Poll.UntilAsync(() => HasSpans(id, "alpha") && HasSpans(id, "omega"), TimeSpan.FromSeconds(20), "spans of the trace from both sidecars");
        await Poll.UntilAsync(() => _collector.Metrics.Any(b => Contains(b, "request_total") && Contains(b, "alpha")) &&
                                    _collector.Metrics.Any(b => Contains(b, "request_total") && Contains(b, "omega")),
            TimeSpan.FromSeconds(20), "request_total from both sidecars");
    }

    private bool HasSpans(byte[] traceId, string workload) =>
        _collector.Traces.Any(b => b.AsSpan().IndexOf(traceId) >= 0 && Contains(b, "mesh-proxy") && Contains(b, workload));

    private static bool Contains(byte[] body, string text) => body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;

    private ChildProcess StartSidecar(string workload, bool fromOtelVariable)
    {
        List<string> args = ["OTEL_BSP_SCHEDULE_DELAY=100", "OTEL_METRIC_EXPORT_INTERVAL=500"];
        if (fromOtelVariable) args.Add($"OTEL_EXPORTER_OTLP_ENDPOINT={_collector.Address}");
        args.AddRange([ChildProcess.ProxyBin, "sidecar", "--workload", workload, "--inbound-addr", "127.0.0.1:0", "--outbound-addr", "127.0.0.1:0",
            "--admin-addr", "127.0.0.1:0", "--control-addr", _discovery.Address.ToString()]);
        if (!fromOtelVariable) args.AddRange(["--otlp-endpoint", _collector.Address.ToString()]);
        return new ChildProcess("/usr/bin/env", [.. args]);
    }
}
