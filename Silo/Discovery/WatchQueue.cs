using System.Threading.Channels;
using Microsoft.AspNetCore.Http;

namespace Mesh.Silo.Discovery;

/// <summary>A watcher's bounded queue of feed changes. Enqueueing never blocks the publisher: when the queue is full the
/// watcher has fallen behind, so its stream is aborted (counted) and the proxy reconnects for a fresh snapshot.</summary>
internal sealed class WatchQueue(int capacity, HttpContext? httpContext, DiscoveryMetrics metrics) : IFeedListener
{
    private readonly Channel<FeedChange> _channel = Channel.CreateBounded<FeedChange>(
        new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private int _dropped;

    public ChannelReader<FeedChange> Reader => _channel.Reader;
    public bool Dropped => Volatile.Read(ref _dropped) == 1;

    public void OnChanged(FeedChange change)
    {
        if (_channel.Writer.TryWrite(change) || Interlocked.Exchange(ref _dropped, 1) == 1) return;
        metrics.WatcherDropped();
        _channel.Writer.TryComplete(new WatcherFellBehindException());
        // The handler may be stuck in a write under HTTP/2 flow control; only a reset of the stream frees it.
        httpContext?.Abort();
    }
}

internal sealed class WatcherFellBehindException() : Exception("watcher fell behind its update queue; reconnect to resync");
