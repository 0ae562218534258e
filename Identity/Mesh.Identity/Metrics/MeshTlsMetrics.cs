using System.Diagnostics.Metrics;
using Mesh.Identity.Tls;
using static Mesh.Identity.Metrics.MeshTlsInstrumentNames;

namespace Mesh.Identity.Metrics;

/// <summary>Owns the mesh TLS instruments; one shared instance unless a host passes its own <see cref="IMeterFactory"/>.</summary>
public sealed class MeshTlsMetrics : IDisposable
{
    private readonly Counter<long> _handshakes;
    private readonly Counter<long> _errors;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _open;

    public MeshTlsMetrics(IMeterFactory? factory = null)
    {
        Meter = factory?.Create(MeshTlsInstrumentNames.Meter) ?? new Meter(MeshTlsInstrumentNames.Meter);
        _handshakes = Meter.CreateCounter<long>(Handshakes, description: "Mesh TLS handshakes by side, result, key-exchange group and cipher suite");
        _errors = Meter.CreateCounter<long>(HandshakeErrors, description: "Failed mesh TLS handshakes by side and reason");
        _duration = Meter.CreateHistogram<double>(HandshakeDuration, unit: "s", description: "Mesh TLS handshake duration");
        _open = Meter.CreateUpDownCounter<long>(OpenConnections, description: "Established mesh TLS connections");
    }

    /// <summary>The process-wide instance used when options do not name one.</summary>
    public static MeshTlsMetrics Shared { get; } = new();

    public Meter Meter { get; }

    internal void Succeeded(bool server, string group, string suite, TimeSpan elapsed)
    {
        var side = server ? MeshTlsInstrumentNames.Server : MeshTlsInstrumentNames.Client;
        _handshakes.Add(1, new(SideTag, side), new(ResultTag, Success), new(GroupTag, group), new(SuiteTag, suite));
        _duration.Record(elapsed.TotalSeconds, new(SideTag, side), new(ResultTag, Success));
        _open.Add(1, new(SideTag, side), new(GroupTag, group));
    }

    internal void Closed(bool server, string group) => _open.Add(-1, new(SideTag, server ? MeshTlsInstrumentNames.Server : MeshTlsInstrumentNames.Client), new(GroupTag, group));

    internal void Failed(bool server, MeshTlsError error, TimeSpan elapsed)
    {
        var side = server ? MeshTlsInstrumentNames.Server : MeshTlsInstrumentNames.Client;
        _handshakes.Add(1, new(SideTag, side), new(ResultTag, Failure), new(GroupTag, "none"), new(SuiteTag, "none"));
        _errors.Add(1, new(SideTag, side), new(ReasonTag, MeshTlsErrorNames.Label(error)));
        _duration.Record(elapsed.TotalSeconds, new(SideTag, side), new(ResultTag, Failure));
    }

    public void Dispose() => Meter.Dispose();
}
