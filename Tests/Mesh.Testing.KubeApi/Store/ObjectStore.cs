using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Watch;

namespace Mesh.Testing.KubeApi.Store;

/// <summary>A multi-version object store like etcd under the API server: one cluster-wide monotonically increasing
/// resourceVersion, an event log from the last compaction on (watches replay it; lists rebuild older versions from
/// it), compare-and-swap writes. Every method takes the one lock, so events reach watches in version order.</summary>
internal sealed class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectKey, JsonObject> _objects = [];
    private readonly List<StoredEvent> _log = [];
    private readonly WatchHub _hub = new();
    private long _rv = 1;
    private long _compactedRv = 1;

    public long ResourceVersion { get { lock (_gate) return _rv; } }

    public long CompactedResourceVersion { get { lock (_gate) return _compactedRv; } }

    public int OpenWatches { get { lock (_gate) return _hub.Count; } }

    public JsonObject? Get(ObjectKey key)
    {
        lock (_gate) return _objects.TryGetValue(key, out var o) ? o.DeepClone().AsObject() : null;
    }

    /// <summary>Stores a new object at the next resourceVersion; null when the key is taken.</summary>
    public JsonObject? Insert(ObjectKey key, JsonObject obj)
    {
        lock (_gate)
        {
            if (_objects.ContainsKey(key)) return null;
            return Commit("ADDED", key, obj, null);
        }
    }

    /// <summary>Replaces the object if it is still at <paramref name="expectedRv"/>; null when it moved on or is gone.</summary>
    public JsonObject? Replace(ObjectKey key, string expectedRv, JsonObject obj)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var current) || RvOf(current) != expectedRv) return null;
            return Commit("MODIFIED", key, obj, current);
        }
    }

    /// <summary>Removes the object if it is still at <paramref name="expectedRv"/>; the DELETED event carries its last
    /// state at the deletion's version.</summary>
    public JsonObject? Remove(ObjectKey key, string expectedRv, JsonObject? last = null)
    {
        lock (_gate)
        {
            if (!_objects.TryGetValue(key, out var current) || RvOf(current) != expectedRv) return null;
            return Commit("DELETED", key, last ?? current.DeepClone().AsObject(), current);
        }
    }

    /// <summary>Every key of one kind, optionally within a namespace (for cascading deletes).</summary>
    public List<ObjectKey> Keys(string kind, string? ns)
    {
        lock (_gate) return _objects.Keys.Where(k => k.Kind == kind && (ns is null || k.Namespace == ns)).Order().ToList();
    }

    public List<ObjectKey> KeysInNamespace(string ns)
    {
        lock (_gate) return _objects.Keys.Where(k => k.Namespace == ns).ToList();
    }

    private JsonObject Commit(string type, ObjectKey key, JsonObject obj, JsonObject? previous)
    {
        _rv++;
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = meta;
        meta["resourceVersion"] = _rv.ToString();
        if (type == "DELETED") _objects.Remove(key); else _objects[key] = obj;
        var e = new StoredEvent(_rv, type, key, obj, previous);
        _log.Add(e);
        _hub.Publish(e);
        return obj.DeepClone().AsObject();
    }

    private static string RvOf(JsonObject o) => JsonText.Str(o["metadata"]?["resourceVersion"]) ?? "";

    /// <summary>The objects of one kind as they were at <paramref name="atRv"/> (0: now), in key order.</summary>
    public Outcome<(long Rv, List<(ObjectKey Key, JsonObject Obj)> Items)> Snapshot(string kind, string? ns, long atRv)
    {
        lock (_gate)
        {
            if (atRv > _rv) return ApiError.Timeout($"Too large resource version: {atRv}, current: {_rv}");
            if (atRv != 0 && atRv < _compactedRv) return ApiError.Expired($"too old resource version: {atRv} ({_compactedRv})");
            var view = _objects.Where(kv => kv.Key.Kind == kind && (ns is null || kv.Key.Namespace == ns))
                .ToDictionary(kv => kv.Key, kv => kv.Value);
            var rv = atRv == 0 ? _rv : atRv;
            for (var i = _log.Count - 1; i >= 0 && _log[i].ResourceVersion > rv; i--)
            {
                var e = _log[i];
                if (e.Key.Kind != kind || (ns is not null && e.Key.Namespace != ns)) continue;
                if (e.Previous is null) view.Remove(e.Key); else view[e.Key] = e.Previous;
            }
            return (rv, view.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value.DeepClone().AsObject())).ToList());
        }
    }

    /// <summary>Opens a watch. From a version: replays the log after it (410 as an ERROR event if it was compacted away,
    /// as the watch cache does once the request is accepted). Without one: synthetic ADDED events for the current state,
    /// then, for <c>sendInitialEvents</c>, the bookmark annotated <c>k8s.io/initial-events-end</c>.</summary>
    public Watcher Watch(Watcher w, long fromRv, bool initialState, bool initialEventsEnd)
    {
        lock (_gate)
        {
            if (!initialState && fromRv < _compactedRv)
            {
                w.Frames.Writer.TryWrite(new WatchFrame("ERROR", ApiError.Expired($"too old resource version: {fromRv} ({_compactedRv})").ToStatus()));
                w.Frames.Writer.TryComplete();
                return w;
            }
            if (!initialState && fromRv > _rv)
            {
                w.Frames.Writer.TryWrite(new WatchFrame("ERROR", ApiError.Timeout($"Too large resource version: {fromRv}, current: {_rv}").ToStatus()));
                w.Frames.Writer.TryComplete();
                return w;
            }
            if (initialState)
            {
                foreach (var (key, obj) in _objects.Where(kv => w.Selects(kv.Key, kv.Value)).OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value)))
                    w.Frames.Writer.TryWrite(new WatchFrame("ADDED", Served.As(obj, w.Kind)));
                if (initialEventsEnd) w.Bookmark(_rv, initialEventsEnd: true);
            }
            else
            {
                foreach (var e in _log.Where(e => e.ResourceVersion > fromRv)) w.Offer(e);
            }
            _hub.Add(w);
            return w;
        }
    }

    public void StopWatch(Watcher w)
    {
        lock (_gate) _hub.Remove(w);
    }

    public void Bookmark(Watcher w)
    {
        lock (_gate) w.Bookmark(_rv, initialEventsEnd: false);
    }

    public void BookmarkAll()
    {
        lock (_gate) _hub.BookmarkAll(_rv);
    }

    /// <summary>Forgets history up to now: older versions can no longer be listed, watched from or continued.
    /// With <paramref name="expireOpenWatches"/> the open watches end with a 410 ERROR event too (a watcher the
    /// compaction overtook).</summary>
    public long Compact(bool expireOpenWatches)
    {
        lock (_gate)
        {
            _compactedRv = _rv;
            _log.Clear();
            if (expireOpenWatches) _hub.FailAll(ApiError.Expired($"The resourceVersion for the provided watch is too old."));
            return _compactedRv;
        }
    }

    public int DropWatches()
    {
        lock (_gate) return _hub.DropAll();
    }
}
