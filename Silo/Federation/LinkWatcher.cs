using System.Runtime.CompilerServices;
using Grpc.Core;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Api.V1;
using Mesh.Grains.Federation;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;

namespace Mesh.Silo.Federation;

/// <summary>One Federation.WatchExports stream to a Link's federationAddress (mesh mTLS with this silo's certificate,
/// the server must prove the Link's federationIdentity), translated into mirrors. Anything the remote side sends that
/// is not what the Link describes ends the stream with a <see cref="LinkRefusedException"/>: another cluster's name,
/// a version that does not increase, a delta before the snapshot.</summary>
internal sealed class LinkWatcher(SiloCredentials credentials, SiloSettings settings) : ILinkWatcher
{
    public async IAsyncEnumerable<LinkEvent> WatchAsync(LinkResource link, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var channel = FederationChannel.Create(link.Spec.FederationAddress, link.Spec.FederationIdentity, credentials.Holder);
        using var call = new Api.V1.Federation.FederationClient(channel)
            .WatchExports(new WatchExportsRequest { ClusterName = settings.ClusterName ?? "" }, cancellationToken: cancellationToken);
        var translator = new MirrorTranslator(link);
        ExportingCluster? remote = null;
        ulong version = 0;
        while (await call.ResponseStream.MoveNext(cancellationToken))
        {
            var update = call.ResponseStream.Current;
            if (update.Version <= version)
                throw new LinkRefusedException($"version {update.Version} after {version}: the stream's versions must increase");
            version = update.Version;
            switch (update.KindCase)
            {
                case ExportsUpdate.KindOneofCase.Snapshot:
                    var cluster = update.Snapshot.Cluster ?? new ExportingCluster();
                    if (cluster.Name != link.Spec.TargetClusterName)
                        throw new LinkRefusedException($"the silo there is cluster '{cluster.Name}', not '{link.Spec.TargetClusterName}' as Link {link.Metadata.Name} says");
                    // The trust domain is the one the silo's certificate proved (the Link's federationIdentity's).
                    if (SpiffeId.TryParse(link.Spec.FederationIdentity, out var proven) && cluster.TrustDomain != proven.TrustDomain)
                        throw new LinkRefusedException($"the silo there proved {link.Spec.FederationIdentity} but says its trust domain is '{cluster.TrustDomain}'");
                    remote = cluster;
                    yield return new LinkSnapshot([.. update.Snapshot.Services.Select(s => translator.Translate(s, cluster))], translator.GatewayOf(cluster),
                        [.. cluster.TrustAnchorSha256.Order(StringComparer.Ordinal)]);
                    break;
                case ExportsUpdate.KindOneofCase.Upserted when remote is not null:
                    yield return new LinkUpsert(translator.Translate(update.Upserted, remote));
                    break;
                case ExportsUpdate.KindOneofCase.Removed when remote is not null:
                    yield return new LinkRemove(update.Removed.Namespace, update.Removed.Name);
                    break;
                case ExportsUpdate.KindOneofCase.Heartbeat:
                    yield return new LinkHeartbeat();
                    break;
                default:
                    throw new LinkRefusedException($"unexpected {update.KindCase} (before any snapshot, or unknown)");
            }
        }
    }
}
