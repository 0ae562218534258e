using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Grains.Federation;

/// <summary>The federation watch of one Link as the link grain consumes it (the silo implements it over
/// Federation.WatchExports): what each remote export becomes here, already translated into resources. One enumeration
/// is one stream: it ends (or throws) when the stream is lost, and the grain reconnects.</summary>
public interface ILinkWatcher
{
    IAsyncEnumerable<LinkEvent> WatchAsync(LinkResource link, CancellationToken cancellationToken);
}

public abstract record LinkEvent;

/// <summary>The remote cluster's full export set: replaces everything known before. <paramref name="Gateway"/>: where
/// its gateway-mode mirrors send traffic (the Link's gateway, else the cluster's), null when neither names one.
/// <paramref name="TrustAnchors"/>: the SHA-256 of each trust anchor the remote cluster says it trusts (for `mesh
/// multicluster check` to compare with this cluster's).</summary>
public sealed record LinkSnapshot(ImmutableArray<MirrorSet> Mirrors, GatewayTarget? Gateway = null, ImmutableArray<string> TrustAnchors = default) : LinkEvent;

/// <summary>One remote Service exported or changed: replaces its mirrors whole.</summary>
public sealed record LinkUpsert(MirrorSet Mirror) : LinkEvent;

/// <summary>One remote Service no longer exported.</summary>
public sealed record LinkRemove(string Namespace, string RemoteName) : LinkEvent;

public sealed record LinkHeartbeat : LinkEvent;

/// <summary>What one remote Service <see cref="RemoteName"/> in <see cref="Namespace"/> becomes here: no entry (the
/// link's selectors leave it out), its mirror, and/or its share of a federated service.</summary>
public sealed record MirrorSet(string Namespace, string RemoteName, ImmutableArray<MirrorEntry> Entries);

/// <summary>One mirrored Service <see cref="Name"/> and the resources that make it, or why it cannot be made.</summary>
/// <param name="SharedService">A federated service: its Service may already be another link's (each link adds its own
/// slices); the local member's selector is added to it.</param>
/// <param name="GatewayDown">A gateway-mode mirror with an endpoint: the same resources with the gateway endpoint not
/// ready, written instead while the gateway probe says dead (default: the mirror does not depend on the gateway).</param>
public sealed record MirrorEntry(string Name, ImmutableArray<StoredResource> Resources, string? Error, bool SharedService = false,
    ImmutableArray<StoredResource> GatewayDown = default)
{
    public static MirrorEntry Failed(string name, string error) => new(name, [], error);
}
