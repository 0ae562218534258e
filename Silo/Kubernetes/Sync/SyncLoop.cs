using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Mesh.Abstractions.Grains;
using Mesh.Grains.Catalog;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Keeps one kind's catalog resources equal to the cluster's objects: a paged list (limit + continue) diffed
/// against what the catalog holds from Kubernetes, then a watch from the list's resourceVersion with bookmarks. A
/// clean end of the stream re-watches from the last version seen; a 410 (through onError: KubernetesClient ends the
/// stream quietly without it) or an expired continue token relists; any other error retries with jittered backoff
/// while the catalog keeps serving what it has. <paramref name="changed"/> hears of every relist and event (the route
/// status writer follows Services and routes).</summary>
internal sealed partial class SyncLoop(IKubernetes client, SyncKind kind, CatalogSink sink, SyncStatusBoard board, InvalidObjectEvents events,
    IGrainFactory grains, TimeProvider time, ILogger logger, int pageSize = 500, Action? changed = null)
{
    public async Task RunAsync(CancellationToken ct)
    {
        var backoff = new Backoff(TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(10));
        string? version = null;
        var goneInARow = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                if (version is null)
                {
                    if (goneInARow > 1) await backoff.DelayAsync(time, ct); // a 410 storm: do not relist in a tight loop
                    version = await RelistAsync(ct);
                    changed?.Invoke();
                }
                Exception? failure = null;
                var gone = false;
                var events = 0;
                await foreach (var (type, obj) in kind.Api.WatchAsync(client, version, e => { if (IsGone(e)) gone = true; else failure ??= e; }, ct))
                {
                    if (obj["metadata"]?["resourceVersion"]?.GetValue<string>() is { Length: > 0 } rv) version = rv;
                    if (type == WatchEventType.Bookmark) { board.Seen(kind, version, 0); continue; }
                    if (type == WatchEventType.Error) continue;
                    await HandleAsync(type, obj, ct);
                    changed?.Invoke();
                    events++;
                }
                if (gone)
                {
                    goneInARow = events == 0 ? goneInARow + 1 : 1;
                    Log.Gone(logger, kind.ToString(), version);
                    board.Gone(kind);
                    version = null;
                    continue;
                }
                goneInARow = 0;
                if (failure is not null) throw failure;
                backoff.Reset(); // a clean end (timeout, API server restart): watch again from the last version
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { return; }
            catch (DeposedException) { throw; }
            catch (Exception e) when (IsGone(e))
            {
                board.Gone(kind);
                version = null; // a continue token that expired mid-list
            }
            catch (Exception e)
            {
                board.KindError(kind, $"{e.GetType().Name}: {e.Message}; retrying (the mesh keeps serving its last state)");
                Log.Failed(logger, kind.ToString(), e);
                await backoff.DelayAsync(time, ct);
            }
        }
    }

    /// <summary>Lists every page, queues each valid object as an upsert and a delete for every Kubernetes-owned
    /// resource of this kind the list no longer holds. Invalid objects keep their last good version.</summary>
    internal async Task<string> RelistAsync(CancellationToken ct)
    {
        var (objects, version, _) = await kind.Api.ListAllAsync(client, pageSize, ct);

        var directory = await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync();
        if (kind.MeshKind is null)
        {
            // Namespaces: one that is gone takes its synced resources with it.
            var live = objects.Select(o => Name(o).Name).ToHashSet(StringComparer.Ordinal);
            foreach (var ns in directory.Where(ns => !live.Contains(ns))) await ClearNamespaceAsync(ns);
        }
        else
        {
            board.ClearSkipped(kind);
            var listed = new HashSet<(string, string)>();
            foreach (var obj in objects)
            {
                var (ns, name) = Name(obj);
                listed.Add((ns, name));
                await ApplyAsync(obj, ns, name, ct);
            }
            var namespaces = directory.Concat(objects.Select(o => Name(o).Ns)).Distinct(StringComparer.Ordinal);
            foreach (var ns in namespaces)
                foreach (var r in await grains.GetGrain<ICatalogGrain>(ns).ListAsync(kind.MeshKind))
                    if (r.Source == ResourceSources.Kubernetes && !listed.Contains((ns, r.Name)))
                        sink.Put(ns, new ResourceKey(r.Kind, r.Name), null);
            foreach (var (ns, key) in sink.Pending(kind.MeshKind))
                if (!listed.Contains((ns, key.Name))) sink.Put(ns, key, null);
        }
        board.Listed(kind, version, objects.Count);
        return version;
    }

    private async Task HandleAsync(WatchEventType type, JsonObject obj, CancellationToken ct)
    {
        var (ns, name) = Name(obj);
        var version = obj["metadata"]?["resourceVersion"]?.GetValue<string>();
        if (kind.MeshKind is null)
        {
            if (type == WatchEventType.Deleted) await ClearNamespaceAsync(name);
            board.Seen(kind, version, type switch { WatchEventType.Added => 1, WatchEventType.Deleted => -1, _ => 0 });
            return;
        }
        if (type == WatchEventType.Deleted)
        {
            board.NotSkipped(kind, ns, name);
            sink.Put(ns, new ResourceKey(kind.MeshKind, name), null);
        }
        else await ApplyAsync(obj, ns, name, ct);
        board.Seen(kind, version, type switch { WatchEventType.Added => 1, WatchEventType.Deleted => -1, _ => 0 });
    }

    private async Task ApplyAsync(JsonObject obj, string ns, string name, CancellationToken ct)
    {
        switch (kind.Translate!(obj))
        {
            case Translation.Upsert upsert:
                board.NotSkipped(kind, ns, name);
                sink.Put(ns, new ResourceKey(upsert.Resource.Kind, upsert.Resource.Name), upsert.Resource);
                break;
            case Translation.Absent:
                board.NotSkipped(kind, ns, name);
                sink.Put(ns, new ResourceKey(kind.MeshKind!, name), null);
                break;
            case Translation.Ignored:
                // A mirror the publisher wrote: the link owns it in the catalog. Only a resource this sync wrote under
                // that name before (a user's object that now carries our label) is taken back out.
                board.NotSkipped(kind, ns, name);
                if ((await grains.GetGrain<ICatalogGrain>(ns).GetAsync(kind.MeshKind!, name))?.Source == ResourceSources.Kubernetes)
                    sink.Put(ns, new ResourceKey(kind.MeshKind!, name), null);
                break;
            case Translation.Invalid invalid:
                board.Skipped(kind, ns, name, obj["metadata"]?["resourceVersion"]?.GetValue<string>(), invalid.Errors);
                Log.Skipped(logger, kind.Kind, ns, name, string.Join("; ", invalid.Errors));
                await events.ReportAsync(kind, obj, invalid.Errors, ct);
                break;
        }
    }

    private async Task ClearNamespaceAsync(string ns)
    {
        foreach (var r in await grains.GetGrain<ICatalogGrain>(ns).ListAsync(null))
            if (r.Source == ResourceSources.Kubernetes) sink.Put(ns, new ResourceKey(r.Kind, r.Name), null);
    }

    private static (string Ns, string Name) Name(JsonObject obj) =>
        (obj["metadata"]?["namespace"]?.GetValue<string>() ?? "", obj["metadata"]?["name"]?.GetValue<string>() ?? "");

    internal static bool IsGone(Exception e) => e switch
    {
        KubernetesException k => k.Status?.Code == (int)HttpStatusCode.Gone,
        HttpOperationException h => h.Response?.StatusCode == HttpStatusCode.Gone,
        _ => false,
    };

    private static partial class Log
    {
        [LoggerMessage(EventId = 7320, Level = LogLevel.Information, Message = "Kubernetes sync: {Kind} watch from {Version} is gone (410); relisting")]
        public static partial void Gone(ILogger logger, string kind, string? version);

        [LoggerMessage(EventId = 7321, Level = LogLevel.Warning, Message = "Kubernetes sync: {Kind} list/watch failed; retrying with backoff")]
        public static partial void Failed(ILogger logger, string kind, Exception e);

        [LoggerMessage(EventId = 7322, Level = LogLevel.Warning, Message = "Kubernetes sync: {Kind} {Namespace}/{Name} skipped: {Errors}")]
        public static partial void Skipped(ILogger logger, string kind, string @namespace, string name, string errors);
    }
}
