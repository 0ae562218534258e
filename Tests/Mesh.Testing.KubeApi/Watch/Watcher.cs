using System.Text.Json.Nodes;
using System.Threading.Channels;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Selectors;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Watch;

/// <summary>One open watch: what it selects and its own unbounded queue of frames, filled under the store's lock so
/// events and bookmarks keep resourceVersion order.</summary>
internal sealed class Watcher(KindInfo kind, string? ns, LabelSelector labels, FieldSelector fields, bool bookmarks)
{
    public KindInfo Kind { get; } = kind;
    public bool Bookmarks { get; } = bookmarks;
    public Channel<WatchFrame> Frames { get; } = Channel.CreateUnbounded<WatchFrame>(new UnboundedChannelOptions { SingleReader = true });

    public bool Selects(ObjectKey key, JsonObject? obj) =>
        obj is not null && key.Kind == Kind.StorageKey && (ns is null || key.Namespace == ns)
        && labels.Matches(JsonText.Meta(obj)?["labels"] as JsonObject) && fields.Matches(obj);

    /// <summary>Queues the event as this watcher sees it: an object that starts or stops matching the selectors is
    /// ADDED or DELETED for it, as the API server's watch cache does.</summary>
    public void Offer(StoredEvent e)
    {
        var now = Selects(e.Key, e.Object);
        var before = e.Previous is not null && Selects(e.Key, e.Previous);
        var type = e.Type switch
        {
            "ADDED" => now ? "ADDED" : null,
            "DELETED" => now || before ? "DELETED" : null,
            _ => (before, now) switch { (true, true) => "MODIFIED", (false, true) => "ADDED", (true, false) => "DELETED", _ => null },
        };
        if (type is not null) Frames.Writer.TryWrite(new WatchFrame(type, Served.As(e.Object, Kind)));
    }

    public void Bookmark(long resourceVersion, bool initialEventsEnd)
    {
        var meta = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(), ["creationTimestamp"] = null };
        if (initialEventsEnd) meta["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        Frames.Writer.TryWrite(new WatchFrame("BOOKMARK", new JsonObject { ["kind"] = Kind.Kind, ["apiVersion"] = Kind.ApiVersion, ["metadata"] = meta }));
    }
}
