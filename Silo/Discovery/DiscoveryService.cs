using Grpc.Core;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Names;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Discovery;

/// <summary>mesh.v1.Discovery: a snapshot at once, then deltas, for each watched service port (outbound) or workload
/// (inbound). Watchers share one feed per grain and each drains its own bounded queue.</summary>
public sealed class DiscoveryService(ViewFeeds feeds, DiscoveryMetrics metrics, SiloSettings settings, IGrainFactory grains, ILogger<DiscoveryService> logger)
    : Api.V1.Discovery.DiscoveryBase
{
    public override async Task Watch(WatchRequest request, IServerStreamWriter<ServiceUpdate> responseStream, ServerCallContext context)
    {
        if (AddressAuthority.TryParse(request.Authority, out var address))
        {
            await WatchAddressAsync(request, address, responseStream, context);
            return;
        }
        if (!ServiceAuthority.TryParse(request.Authority, request.ContextNamespace, out var authority, out var error))
            throw new RpcException(new Status(StatusCode.InvalidArgument, error));

        var queue = new WatchQueue(settings.WatcherQueueCapacity, context.GetHttpContext(), metrics);
        metrics.WatchStarted();
        try
        {
            await ServiceStream.RunAsync(feeds, metrics, authority, request.ContextNamespace, queue, queue, period: 0, new WatchCursor(),
                responseStream, context.CancellationToken);
        }
        catch (Exception e) when (Ended(e, context, queue))
        {
            logger.LogDebug("discovery: watch {Authority} from {Proxy} ended", request.Authority, request.ProxyId);
        }
        finally
        {
            metrics.WatchEnded();
        }
    }

    /// <summary>Discovery by address. A Service's cluster IP and port is that Service port: the same stream a watch of its
    /// name gets (endpoints, routes, opaque ports). A workload's address and port is its one endpoint, a new snapshot
    /// whenever it changes (deltas would save nothing). An address nobody claims does not exist. When the claim moves
    /// (the Service is deleted, a pod takes the IP) the stream follows with a fresh snapshot.</summary>
    private async Task WatchAddressAsync(WatchRequest request, AddressAuthority address, IServerStreamWriter<ServiceUpdate> responseStream, ServerCallContext context)
    {
        var queue = new WatchQueue(settings.WatcherQueueCapacity, context.GetHttpContext(), metrics);
        metrics.WatchStarted();
        try
        {
            await using var feed = await feeds.AddressAsync(address.Key, queue);
            var current = feed.Initial.Value;
            var cursor = new WatchCursor();
            for (var period = 1; ; period++)
            {
                if (current.Service is { } claim)
                {
                    var service = new ServiceAuthority(claim.Name, claim.Namespace, address.Port);
                    var moved = await ServiceStream.RunAsync(feeds, metrics, service, request.ContextNamespace, queue, new PeriodListener(queue, period),
                        period, cursor, responseStream, context.CancellationToken,
                        leave: c => c.Kind == FeedKind.Address && ((AddressView)c.Value!).Service != claim);
                    current = (AddressView)moved.Value!;
                }
                else current = await StreamWorkloadAsync(address, current, queue, cursor, responseStream, context.CancellationToken);
            }
        }
        catch (Exception e) when (Ended(e, context, queue))
        {
            logger.LogDebug("discovery: address watch {Authority} from {Proxy} ended", request.Authority, request.ProxyId);
        }
        finally
        {
            metrics.WatchEnded();
        }
    }

    /// <summary>The address as a workload's endpoint (or missing), until a Service claims it; returns that view.</summary>
    private async Task<AddressView> StreamWorkloadAsync(AddressAuthority address, AddressView current, WatchQueue queue, WatchCursor cursor,
        IServerStreamWriter<ServiceUpdate> responseStream, CancellationToken ct)
    {
        ServiceSnapshot? sent = null;
        var resync = false;
        while (true)
        {
            var next = address.Snapshot(address.Translate(current), current.Winner?.Namespace ?? "");
            if (sent is null || resync || !sent.Equals(next))
            {
                await responseStream.WriteAsync(new ServiceUpdate { Version = ++cursor.Version, Snapshot = next }, ct);
                metrics.UpdateSent(ServiceUpdate.KindOneofCase.Snapshot.ToString());
                sent = next;
            }
            resync = false;
            var change = await queue.Reader.ReadAsync(ct);
            do
            {
                // Only the address feed is current here; anything else is late news from a Service part that ended.
                if (change.Kind != FeedKind.Address) continue;
                resync |= change.Resync;
                current = (AddressView)change.Value!;
            } while (queue.Reader.TryRead(out change));
            if (current.Service is not null) return current;
        }
    }

    public override async Task WatchInbound(InboundWatchRequest request, IServerStreamWriter<InboundUpdate> responseStream, ServerCallContext context)
    {
        var ns = string.IsNullOrWhiteSpace(request.Namespace) ? MeshNames.DefaultNamespace : request.Namespace.Trim();
        if (string.IsNullOrWhiteSpace(request.Workload) || ns.Contains('/') || request.Workload.Contains('/'))
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                "workload is required (the Workload's metadata.name) and neither it nor namespace may contain '/'"));

        var queue = new WatchQueue(settings.WatcherQueueCapacity, context.GetHttpContext(), metrics);
        metrics.WatchStarted();
        try
        {
            var incarnation = await grains.GetGrain<IStateIncarnationGrain>(MeshNames.StateIncarnationKey).GetAsync();
            await using var inbound = await feeds.InboundAsync(MeshNames.Key(ns, request.Workload.Trim()), queue);
            var current = inbound.Initial.Value;
            long sourceVersion = inbound.Initial.Version, sentSourceVersion = -1;
            InboundPolicy? sent = null;
            ulong version = 0;
            var resync = false;
            while (true)
            {
                var next = DiscoveryTranslator.Inbound(current);
                next.StateIncarnation = incarnation;
                // A new view version is sent even when it translates the same, so the proxy reports the silo's version.
                if (sent is null || resync || !sent.Equals(next) || sourceVersion != sentSourceVersion)
                {
                    await responseStream.WriteAsync(new InboundUpdate { Version = ++version, Policy = next, SourceVersion = sourceVersion }, context.CancellationToken);
                    metrics.UpdateSent("inbound");
                    sent = next;
                    sentSourceVersion = sourceVersion;
                }
                resync = false;
                var change = await queue.Reader.ReadAsync(context.CancellationToken);
                do
                {
                    resync |= change.Resync;
                    current = (InboundPolicyView)change.Value!;
                    sourceVersion = change.Version;
                } while (queue.Reader.TryRead(out change));
            }
        }
        catch (Exception e) when (Ended(e, context, queue))
        {
            logger.LogDebug("discovery: inbound watch {Ns}/{Workload} from {Proxy} ended", ns, request.Workload, request.ProxyId);
        }
        finally
        {
            metrics.WatchEnded();
        }
    }

    /// <summary>True for the normal ends of a watch: the client left, or it fell behind and was cut off.</summary>
    private static bool Ended(Exception e, ServerCallContext context, WatchQueue queue) =>
        context.CancellationToken.IsCancellationRequested || queue.Dropped
        || e is OperationCanceledException or WatcherFellBehindException or IOException;
}
