using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mesh.Grains.Federation;

namespace Mesh.Silo.Federation;

/// <summary>Instruments of the links this silo hosts (meter <see cref="MeterName"/>, on the silo's /metrics):
/// <c>gateway_alive</c> (1 alive, 0 dead) and <c>gateway_probe_latency_ms</c> (the last successful probe), both
/// labelled <c>target_cluster</c>. A link grain reports after every probe and is forgotten when it stops here, so a
/// link is reported by the one silo that holds it.</summary>
internal sealed class FederationMetrics : IGatewayHealthReporter, IDisposable
{
    public const string MeterName = "Mesh.Silo.Federation";
    private const string ClusterLabel = "target_cluster";

    private readonly Meter _meter = new(MeterName);
    private readonly ConcurrentDictionary<string, (bool Alive, TimeSpan? Latency)> _links = new(StringComparer.Ordinal);

    public FederationMetrics()
    {
        _meter.CreateObservableGauge("gateway_alive",
            () => _links.Select(l => new Measurement<int>(l.Value.Alive ? 1 : 0, new KeyValuePair<string, object?>(ClusterLabel, l.Key))),
            description: "Whether the linked cluster's gateway answers its probes (1) or failed failureThreshold in a row (0)");
        _meter.CreateObservableGauge("gateway_probe_latency_ms",
            () => _links.Where(l => l.Value.Latency is not null)
                .Select(l => new Measurement<double>(l.Value.Latency!.Value.TotalMilliseconds, new KeyValuePair<string, object?>(ClusterLabel, l.Key))),
            description: "How long the last successful gateway probe took (connect, mTLS handshake, answer)");
    }

    public void Report(string cluster, bool alive, TimeSpan? latency) => _links[cluster] = (alive, latency);

    public void Forget(string cluster) => _links.TryRemove(cluster, out _);

    public void Dispose() => _meter.Dispose();
}
