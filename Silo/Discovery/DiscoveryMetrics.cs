using System.Diagnostics.Metrics;

namespace Mesh.Silo.Discovery;

/// <summary>Instruments of the discovery gateway (meter "Mesh.Silo.Discovery"); totals also readable in-process.</summary>
public sealed class DiscoveryMetrics : IDisposable
{
    public const string MeterName = "Mesh.Silo.Discovery";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _updates;
    private readonly Counter<long> _dropped;
    private long _active, _updatesTotal, _droppedTotal, _feeds;

    public DiscoveryMetrics()
    {
        _meter.CreateObservableUpDownCounter("discovery_watches_active", () => Interlocked.Read(ref _active),
            description: "Open Watch and WatchInbound streams");
        _meter.CreateObservableUpDownCounter("discovery_subscriptions_active", () => Interlocked.Read(ref _feeds),
            description: "Orleans stream subscriptions held by the gateway (one per watched grain)");
        _updates = _meter.CreateCounter<long>("discovery_updates_sent_total", description: "Updates written to watch streams");
        _dropped = _meter.CreateCounter<long>("discovery_watchers_dropped_total",
            description: "Watch streams closed because the watcher fell behind its bounded queue");
    }

    public long ActiveWatches => Interlocked.Read(ref _active);
    public long UpdatesSent => Interlocked.Read(ref _updatesTotal);
    public long WatchersDropped => Interlocked.Read(ref _droppedTotal);
    public long ActiveSubscriptions => Interlocked.Read(ref _feeds);

    public void WatchStarted() => Interlocked.Increment(ref _active);
    public void WatchEnded() => Interlocked.Decrement(ref _active);
    public void SubscriptionOpened() => Interlocked.Increment(ref _feeds);
    public void SubscriptionClosed() => Interlocked.Decrement(ref _feeds);

    public void UpdateSent(string kind)
    {
        Interlocked.Increment(ref _updatesTotal);
        _updates.Add(1, new KeyValuePair<string, object?>("kind", kind));
    }

    public void WatcherDropped()
    {
        Interlocked.Increment(ref _droppedTotal);
        _dropped.Add(1);
    }

    public void Dispose() => _meter.Dispose();
}
