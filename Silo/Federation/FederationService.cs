using Grpc.Core;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Identity.Kestrel;
using Mesh.Silo.Discovery;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;

namespace Mesh.Silo.Federation;

/// <summary>mesh.v1.Federation: a linked cluster's silo watches what this cluster exports — a snapshot at once, then
/// deltas (a Service exported, changed or unexported) and a heartbeat whenever the watch was quiet for
/// <see cref="SiloSettings.FederationHeartbeat"/>. Only allowed silo identities get anything; the allow list is read
/// again at every heartbeat, so a peer removed from it is cut off. Queueing as in discovery: one bounded queue per
/// watch, a watcher that falls behind is reset and resyncs.</summary>
internal sealed partial class FederationService(ViewFeeds feeds, DiscoveryMetrics metrics, FederationAllowList allowList,
    SiloCertificateAuthority ca, SiloSettings settings, TimeProvider time, ILogger<FederationService> logger) : Api.V1.Federation.FederationBase
{
    public override async Task WatchExports(WatchExportsRequest request, IServerStreamWriter<ExportsUpdate> responseStream, ServerCallContext context)
    {
        var http = context.GetHttpContext();
        // The listener requires a client certificate, so a missing identity means it was reached some other way: refuse.
        var peer = http.Features.Get<IMeshTlsFeature>()?.PeerIdentity
            ?? throw new RpcException(new Status(StatusCode.Unauthenticated, "the federation API needs the watching silo's mesh certificate"));
        await AuthorizeAsync(peer);
        LogWatchStarted(logger, peer, request.ClusterName);

        var queue = new WatchQueue(settings.WatcherQueueCapacity, http, metrics);
        metrics.WatchStarted();
        try
        {
            await using var watch = new ExportsWatch(feeds, queue);
            await using var directory = await feeds.ExportsAsync(queue);
            await watch.SyncAsync(directory.Initial.Value);

            ulong version = 0;
            SortedDictionary<string, ExportedService>? sent = null;
            var resync = false;
            Task<bool>? pending = null;
            while (true)
            {
                var next = watch.Translate();
                IEnumerable<ExportsUpdate> updates = sent is null || resync ? [Snapshot(next)] : ExportsDiff.Deltas(sent, next);
                foreach (var update in updates)
                {
                    update.Version = ++version;
                    await responseStream.WriteAsync(update, context.CancellationToken);
                    metrics.UpdateSent("exports-" + update.KindCase.ToString().ToLowerInvariant());
                }
                sent = next;
                resync = false;

                // Wait for a change; a quiet spell is a heartbeat (and a fresh look at the allow list).
                pending ??= queue.Reader.WaitToReadAsync(context.CancellationToken).AsTask();
                using var quiet = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
                var beat = Task.Delay(settings.FederationHeartbeat, time, quiet.Token);
                var first = await Task.WhenAny(pending, beat);
                if (first != beat) quiet.Cancel();
                else
                {
                    await beat;
                    await AuthorizeAsync(peer);
                    await responseStream.WriteAsync(new ExportsUpdate
                    {
                        Version = ++version, Heartbeat = new Heartbeat { SentAtUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds() },
                    }, context.CancellationToken);
                    metrics.UpdateSent("exports-heartbeat");
                    continue;
                }
                if (!await pending) return; // the queue completed without an error: the watch is over
                pending = null;
                while (queue.Reader.TryRead(out var change))
                {
                    resync |= change.Resync;
                    if (change.Kind == FeedKind.Exports) await watch.SyncAsync((ExportDirectoryView)change.Value!);
                    else if (change.Value is ExportsWatch.Keyed keyed) watch.Apply(change.Kind, keyed);
                }
            }
        }
        catch (Exception e) when (context.CancellationToken.IsCancellationRequested || queue.Dropped
                                  || e is OperationCanceledException or WatcherFellBehindException or IOException)
        {
            LogWatchEnded(logger, peer, request.ClusterName);
        }
        finally
        {
            metrics.WatchEnded();
        }
    }

    private ExportsUpdate Snapshot(SortedDictionary<string, ExportedService> services)
    {
        var snapshot = new ExportsSnapshot { Cluster = ExportTranslator.Cluster(settings, ca.Authority.TrustBundle) };
        snapshot.Services.Add(services.Values);
        return new ExportsUpdate { Snapshot = snapshot };
    }

    private async Task AuthorizeAsync(string peer)
    {
        if (await allowList.AllowsAsync(peer)) return;
        LogRefused(logger, peer);
        throw new RpcException(new Status(StatusCode.PermissionDenied,
            $"{peer} may not watch this cluster's exports: allow it here with `mesh multicluster allow {peer}`"));
    }

    [LoggerMessage(EventId = 1301, Level = LogLevel.Information, Message = "federation: {Peer} (cluster {Cluster}) watches the exports")]
    private static partial void LogWatchStarted(ILogger logger, string peer, string cluster);

    [LoggerMessage(EventId = 1302, Level = LogLevel.Debug, Message = "federation: watch of {Peer} (cluster {Cluster}) ended")]
    private static partial void LogWatchEnded(ILogger logger, string peer, string cluster);

    [LoggerMessage(EventId = 1303, Level = LogLevel.Warning, Message = "federation: refused {Peer}: not on the allow list (FederationPeer)")]
    private static partial void LogRefused(ILogger logger, string peer);
}
