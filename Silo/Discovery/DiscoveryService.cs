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
            await using var service = await feeds.ServiceAsync(authority.Key, queue);
            await using var endpoints = await feeds.EndpointsAsync(authority.Key, queue);
            await using var profile = await feeds.ProfileAsync(authority.Key, queue);
            // GAMMA: a client outside the Service's namespace also gets the consumer routes its own namespace attaches.
            var consumerNs = ServiceAuthority.ConsumerNamespace(request.ContextNamespace, authority);
            await using var consumer = consumerNs is null ? null
                : await feeds.ConsumerProfileAsync(MeshNames.ConsumerKey(authority.Namespace, authority.Name, consumerNs), queue);

            var current = (Service: service.Initial.Value, Endpoints: endpoints.Initial.Value, Profile: profile.Initial, Consumer: consumer?.Initial);
            TranslatedService? sent = null;
            ulong version = 0;
            long endpointsVersion = endpoints.Initial.Version, sentEndpointsVersion = -1;
            var resync = false;
            while (true)
            {
                var next = TranslationMemo.Translate(authority, current.Service, current.Endpoints, current.Profile, current.Consumer);
                var updates = resync ? ServiceUpdatePlanner.Plan(authority, sent, next, resync: true) : TranslationMemo.Plan(authority, sent, next);
                // A change on another port of the service moves its endpoint view without an update for this one: an
                // empty upsert carries the new version, so what the proxy reports matches the silo's (`mesh check`).
                // Only for a service that exists on both sides: after a delete, an upsert would read as a resurrection.
                if (updates.Count == 0 && endpointsVersion != sentEndpointsVersion && next.Exists && sent is { Exists: true })
                    updates = [new ServiceUpdate { Upserted = new EndpointList() }];
                foreach (var shared in updates)
                {
                    var update = shared.Clone(); // shared among watchers; the version is this stream's own
                    update.Version = ++version;
                    update.EndpointsVersion = endpointsVersion;
                    await responseStream.WriteAsync(update, context.CancellationToken);
                    metrics.UpdateSent(update.KindCase.ToString());
                }
                sentEndpointsVersion = endpointsVersion;
                sent = next;
                resync = false;

                // Wait for a change, then take every change already queued so a burst becomes one set of deltas.
                var change = await queue.Reader.ReadAsync(context.CancellationToken);
                do
                {
                    resync |= change.Resync;
                    switch (change.Kind)
                    {
                        case FeedKind.Service: current.Service = (ServiceView?)change.Value; break;
                        case FeedKind.EndpointSet: current.Endpoints = (EndpointSetView)change.Value!; endpointsVersion = change.Version; break;
                        case FeedKind.Profile: current.Profile = new Versioned<ProfileView>(change.Version, (ProfileView)change.Value!); break;
                        case FeedKind.ConsumerProfile: current.Consumer = new Versioned<ProfileView>(change.Version, (ProfileView)change.Value!); break;
                    }
                } while (queue.Reader.TryRead(out change));
            }
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

    /// <summary>Discovery by address: a snapshot of who serves it now, and a new snapshot whenever that changes (one
    /// endpoint at most, so deltas would save nothing).</summary>
    private async Task WatchAddressAsync(WatchRequest request, AddressAuthority address, IServerStreamWriter<ServiceUpdate> responseStream, ServerCallContext context)
    {
        var queue = new WatchQueue(settings.WatcherQueueCapacity, context.GetHttpContext(), metrics);
        metrics.WatchStarted();
        try
        {
            await using var feed = await feeds.AddressAsync(address.Key, queue);
            var current = feed.Initial.Value;
            ServiceSnapshot? sent = null;
            ulong version = 0;
            var resync = false;
            while (true)
            {
                var next = address.Snapshot(address.Translate(current), current.Winner?.Namespace ?? "");
                if (sent is null || resync || !sent.Equals(next))
                {
                    await responseStream.WriteAsync(new ServiceUpdate { Version = ++version, Snapshot = next }, context.CancellationToken);
                    metrics.UpdateSent(ServiceUpdate.KindOneofCase.Snapshot.ToString());
                    sent = next;
                }
                resync = false;
                var change = await queue.Reader.ReadAsync(context.CancellationToken);
                do
                {
                    resync |= change.Resync;
                    current = (AddressView)change.Value!;
                } while (queue.Reader.TryRead(out change));
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
