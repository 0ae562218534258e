using Grpc.Core;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Discovery;

/// <summary>The numbering of one watch stream's updates; shared by its parts so versions keep rising when an address
/// watch moves from one target to another.</summary>
internal sealed class WatchCursor
{
    public ulong Version;
}

/// <summary>Streams one service port to a watcher: a snapshot, then deltas, from the service's service, endpoint and
/// profile feeds (plus the consumer routes of the watcher's namespace). A name watch runs it for its whole life; an
/// address watch runs it while the address is that Service's cluster IP.</summary>
internal static class ServiceStream
{
    /// <param name="listener">Where the feeds deliver (the watch's queue, tagged with <paramref name="period"/>).</param>
    /// <param name="leave">A change that ends this part (returned); null: run until the watch ends (an exception).
    /// Changes of other periods are ignored: they are late ones from feeds an earlier part released.</param>
    public static async Task<FeedChange> RunAsync(ViewFeeds feeds, DiscoveryMetrics metrics, ServiceAuthority authority, string? contextNamespace,
        WatchQueue queue, IFeedListener listener, int period, WatchCursor cursor, IServerStreamWriter<ServiceUpdate> responseStream,
        CancellationToken ct, Func<FeedChange, bool>? leave = null)
    {
        await using var service = await feeds.ServiceAsync(authority.Key, listener);
        await using var endpoints = await feeds.EndpointsAsync(authority.Key, listener);
        await using var profile = await feeds.ProfileAsync(authority.Key, listener);
        // GAMMA: a client outside the Service's namespace also gets the consumer routes its own namespace attaches.
        var consumerNs = ServiceAuthority.ConsumerNamespace(contextNamespace, authority);
        await using var consumer = consumerNs is null ? null
            : await feeds.ConsumerProfileAsync(MeshNames.ConsumerKey(authority.Namespace, authority.Name, consumerNs), listener);

        var current = (Service: service.Initial.Value, Endpoints: endpoints.Initial.Value, Profile: profile.Initial, Consumer: consumer?.Initial);
        TranslatedService? sent = null;
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
                update.Version = ++cursor.Version;
                update.EndpointsVersion = endpointsVersion;
                await responseStream.WriteAsync(update, ct);
                metrics.UpdateSent(update.KindCase.ToString());
            }
            sentEndpointsVersion = endpointsVersion;
            sent = next;
            resync = false;

            // Wait for a change, then take every change already queued so a burst becomes one set of deltas.
            var change = await queue.Reader.ReadAsync(ct);
            do
            {
                if (leave?.Invoke(change) == true) return change;
                if (change.Period != period) continue;
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
}
