using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Resources;
using Mesh.Testing.KubeApi.Store;
using Mesh.Testing.KubeApi.Watch;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>Serves one watch as newline-delimited JSON events over a chunked 200 response: checks the parameters (a bad
/// combination is an HTTP error before the stream starts), then streams the watcher's frames, periodic bookmarks when
/// asked for, and ends at <c>timeoutSeconds</c>, on a fault, or when the client goes.</summary>
internal static class WatchStream
{
    public static async Task ServeAsync(HttpContext ctx, ObjectStore store, KindInfo kind, string? ns, ListQuery q, TimeSpan bookmarkInterval,
        Func<JsonObject, JsonObject>? print = null)
    {
        var rv = q.ResourceVersion;
        bool initialState;
        var initialEventsEnd = false;
        long fromRv = 0;
        if (q.SendInitialEvents == true)
        {
            if (q.ResourceVersionMatch != "NotOlderThan")
            {
                await Responses.Error(ctx, ApiError.Invalid("ListOptions", "meta.k8s.io", "", "resourceVersionMatch", "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"));
                return;
            }
            if (!q.AllowWatchBookmarks)
            {
                await Responses.Error(ctx, ApiError.Invalid("ListOptions", "meta.k8s.io", "", "allowWatchBookmarks", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true"));
                return;
            }
            initialState = true;
            initialEventsEnd = true;
            if (rv is not null && rv != "0" && long.Parse(rv) > store.ResourceVersion)
            {
                initialState = false;
                fromRv = long.Parse(rv);
            }
        }
        else if (q.ResourceVersionMatch is not null)
        {
            await Responses.Error(ctx, ApiError.Invalid("ListOptions", "meta.k8s.io", "", "resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"));
            return;
        }
        else if (rv is null || rv == "0") initialState = true;
        else
        {
            initialState = false;
            fromRv = long.Parse(rv);
        }

        var watcher = new Watcher(kind, kind.Namespaced ? ns : null, q.Labels, q.Fields, q.AllowWatchBookmarks);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        store.Watch(watcher, fromRv, initialState, initialEventsEnd);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        if (q.TimeoutSeconds is { } seconds and > 0) timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        var bookmarks = q.AllowWatchBookmarks ? BookmarkLoopAsync(store, watcher, bookmarkInterval, timeout.Token) : Task.CompletedTask;
        try
        {
            await foreach (var frame in watcher.Frames.Reader.ReadAllAsync(timeout.Token))
            {
                if (frame.Abort)
                {
                    ctx.Abort();
                    return;
                }
                var line = print is not null && frame.Type is "ADDED" or "MODIFIED" or "DELETED" && frame.Object is { } o
                    ? frame with { Object = print(o) }
                    : frame;
                await ctx.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line.ToLine()), timeout.Token);
                await ctx.Response.Body.FlushAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed or the client went away: a watch ends without an error line.
        }
        finally
        {
            store.StopWatch(watcher);
            await timeout.CancelAsync();
            try { await bookmarks; } catch (OperationCanceledException) { }
        }
    }

    private static async Task BookmarkLoopAsync(ObjectStore store, Watcher watcher, TimeSpan interval, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval);
        while (await timer.WaitForNextTickAsync(ct)) store.Bookmark(watcher);
    }
}
