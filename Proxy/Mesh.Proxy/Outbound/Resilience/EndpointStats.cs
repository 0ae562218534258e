using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>Per-destination latency and failure state, attached to YARP's DestinationState (survives config reloads that keep the destination).</summary>
internal sealed class EndpointStats(TimeProvider time)
{
    public static readonly TimeSpan DefaultRtt = TimeSpan.FromMilliseconds(30);
    public static readonly TimeSpan Decay = TimeSpan.FromSeconds(10);

    private readonly ConditionalWeakTable<DestinationState, Entry> _entries = new();

    public sealed class Entry(TimeProvider time)
    {
        public PeakEwma Latency { get; } = new(time, DefaultRtt, Decay);
        public FailureAccrual Accrual { get; } = new();
    }

    public Entry Get(DestinationState destination) =>
        _entries.TryGetValue(destination, out var e) ? e : _entries.GetValue(destination, _ => new Entry(time));
}
