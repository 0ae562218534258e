using Mesh.Names;
using Mesh.Proxy.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.Proxy.Hosting;

/// <summary>Metrics (the Prometheus text exporter behind /metrics) and, with an OTLP endpoint, spans and metrics to a
/// collector.</summary>
internal sealed class TelemetryModule : IProxyModule
{
    public string Name => "telemetry";

    public void ConfigureServices(IServiceCollection services, ProxyHostContext host)
    {
        var (settings, metrics) = (host.Settings, host.Metrics);
        var exporter = new PrometheusTextExporter();
        services.AddSingleton(exporter);
        var otlp = settings.OtlpEndpoint;
        // The metrics-off bound (HostingLevers.Metrics): not even the SDK, unless a collector wants spans and metrics.
        if (!host.Levers.Metrics && otlp is null) return;
        // An address that came from OTEL_EXPORTER_OTLP_ENDPOINT is the SDK's to apply (it then honours the per-signal
        // OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT too); one from our flag or variable is set here.
        var sdkReadsEndpoint = otlp is not null && Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } fromEnv &&
            Uri.TryCreate(fromEnv, UriKind.Absolute, out var envUri) && envUri == otlp;
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("mesh-proxy", serviceInstanceId: settings.ProxyId).AddAttributes(
            [
                new("mesh.workload", settings.Workload), new("mesh.namespace", settings.Namespace), new("mesh.mode", settings.Mode.ToString().ToLowerInvariant()),
            ]))
            .WithMetrics(m =>
            {
                m.AddMeter(metrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel");
                m.AddView(TelemetryNames.ResponseLatencyMs, new ExplicitBucketHistogramConfiguration { Boundaries = [.. LatencyBuckets.BoundsMs] });
                m.AddReader(new BaseExportingMetricReader(exporter));
                if (otlp is not null) m.AddOtlpExporter(o => { if (!sdkReadsEndpoint) SetOtlpEndpoint(o, otlp, "v1/metrics"); });
            });
        if (otlp is not null)
        {
            otel.WithTracing(t => t.AddSource("Microsoft.AspNetCore", "System.Net.Http", TelemetryNames.ActivitySourceName)
                .AddOtlpExporter(o => { if (!sdkReadsEndpoint) SetOtlpEndpoint(o, otlp, "v1/traces"); }));
        }
    }

    /// <summary>The collector's address as OTEL_EXPORTER_OTLP_ENDPOINT means it: the base for gRPC; with
    /// OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf the signal's path goes after it (as the SDK does for that variable).</summary>
    private static void SetOtlpEndpoint(OpenTelemetry.Exporter.OtlpExporterOptions options, Uri endpoint, string signalPath) =>
        options.Endpoint = options.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;
}
