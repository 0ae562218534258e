using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Watch;

/// <summary>Fans committed events out to the open watches. Every method is called under the store's lock.</summary>
internal sealed class WatchHub
{
    private readonly List<Watcher> _watchers = [];

    public int Count => _watchers.Count;

    public void Add(Watcher w) => _watchers.Add(w);

    public void Remove(Watcher w) => _watchers.Remove(w);

    public void Publish(StoredEvent e)
    {
        foreach (var w in _watchers) w.Offer(e);
    }

    public void BookmarkAll(long resourceVersion)
    {
        foreach (var w in _watchers.Where(w => w.Bookmarks)) w.Bookmark(resourceVersion, initialEventsEnd: false);
    }

    /// <summary>Ends every open watch with an ERROR event carrying <paramref name="error"/> (410 after a compaction that
    /// overtook them), then a clean end of stream.</summary>
    public void FailAll(ApiError error)
    {
        foreach (var w in _watchers)
        {
            w.Frames.Writer.TryWrite(new WatchFrame("ERROR", error.ToStatus()));
            w.Frames.Writer.TryComplete();
        }
        _watchers.Clear();
    }

    /// <summary>Cuts every open watch connection mid-stream (no final chunk), as a dropped TCP connection looks.</summary>
    public int DropAll()
    {
        var n = _watchers.Count;
        foreach (var w in _watchers)
        {
            w.Frames.Writer.TryWrite(WatchFrame.Dropped);
            w.Frames.Writer.TryComplete();
        }
        _watchers.Clear();
        return n;
    }
}
