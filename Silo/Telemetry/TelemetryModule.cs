using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace Mesh.Silo.Telemetry;

/// <summary>Wires golden-metric telemetry: mesh.v1.Telemetry on the control listener (proxies report there) and the
/// stats JSON API on the admin listener, and the silo's own instruments as Prometheus text at `GET /metrics` (admin
/// listener; a module adds its meter with <c>ConfigureOpenTelemetryMeterProvider</c>). Stats grains are soft state and
/// need no storage.</summary>
internal sealed class TelemetryModule : ISiloModule
{
    public string Name => "telemetry";

    /// <summary>Reports need the proxy's client certificate whenever the control port runs mesh TLS; without TLS
    /// (MESH_CONTROL_TLS=false, development) there is no identity to check and reports are taken as claimed.</summary>
    public void ConfigureServices(IServiceCollection services, SiloSettings settings)
    {
        services.AddMeshTelemetry(new TelemetryOptions(RequireClientCertificate: settings.ControlTls));
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(TelemetryMetrics.MeterName, RuntimeMeter, OrleansMeter, Mesh.Grains.State.StateMetrics.MeterName)
            .AddView(RuntimeView)
            .AddPrometheusExporter());
    }

    /// <summary>.NET's own runtime instruments (GC heap and committed bytes after the last collection, working set)
    /// and Orleans' (activations in the catalog): what the silo costs, readable by the benchmarks.</summary>
    private const string RuntimeMeter = "System.Runtime";
    private const string OrleansMeter = "Microsoft.Orleans";
    private static readonly HashSet<string> OrleansKept = ["orleans-catalog-activation-created", "orleans-catalog-activation-destroyed"];

    /// <summary>Of Orleans' ~150 instruments only the activation counts (each exported metric preallocates its points:
    /// all of them cost ~25 MiB of heap); runtime and Orleans metrics with few points (per generation, per grain type).</summary>
    private static MetricStreamConfiguration? RuntimeView(Instrument instrument) => instrument.Meter.Name switch
    {
        OrleansMeter when !OrleansKept.Contains(instrument.Name) => MetricStreamConfiguration.Drop,
        OrleansMeter or RuntimeMeter => new MetricStreamConfiguration { CardinalityLimit = 64 },
        _ => null,
    };

    public void MapEndpoints(WebApplication app, SiloSettings settings)
    {
        app.MapMeshTelemetryGrpc().RequireListener(SiloListeners.Control);
        app.MapMeshStatsApi();
        app.MapPrometheusScrapingEndpoint();
    }
}
