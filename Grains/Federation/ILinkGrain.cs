using System.Collections.Immutable;

namespace Mesh.Grains.Federation;

/// <summary>One remote cluster this cluster links to, keyed by the cluster's name (the Link's name): holds the
/// federation watch of that cluster's exports and writes the mirrors through the catalog with source
/// <c>link/&lt;cluster&gt;</c>. Activated for every Link by <c>LinkSupervisor</c> (on apply and at silo start).</summary>
[Alias("mesh.ILinkGrain")]
public interface ILinkGrain : IGrainWithStringKey
{
    /// <summary>Reads the Link from the catalog again: starts the watch, restarts it for a changed spec, or stops it
    /// when the Link is gone (its mirrors stay until `mesh multicluster unlink`).</summary>
    [Alias("Refresh")] Task RefreshAsync();

    /// <summary>Stops the watch and deletes every resource, in every namespace, whose recorded source is this link;
    /// answers "kind namespace/name" of each one deleted.</summary>
    [Alias("Unlink")] Task<ImmutableArray<string>> UnlinkAsync();

    [Alias("Status")] Task<LinkStatus> GetStatusAsync();

    /// <summary>Kubernetes mode: the cluster IPs the local API server allocated to this link's mirror Services, by
    /// "namespace/name" (replacing the last report), written into the mirrors so discovery by address resolves them.
    /// Only the address is taken; names the link does not mirror are ignored.</summary>
    [Alias("SetMirrorAddresses")] Task SetMirrorAddressesAsync(ImmutableDictionary<string, ImmutableArray<string>> addresses);
}

/// <summary>What a link reports: whether its federation stream is up, whether its gateway answers its probes (two
/// separate signals), and per mirror what became of it.</summary>
[GenerateSerializer, Immutable, Alias("mesh.LinkStatus")]
public sealed record LinkStatus(
    [property: Id(0)] LinkCondition FederationConnected,
    [property: Id(1)] ImmutableArray<MirrorCondition> Services,
    /// <summary>When the last snapshot, delta or heartbeat arrived; null: none in this activation.</summary>
    [property: Id(2)] DateTimeOffset? LastMessage,
    [property: Id(3)] LinkCondition GatewayAlive,
    /// <summary>How long the last successful gateway probe took; null: none in this activation.</summary>
    [property: Id(4)] TimeSpan? GatewayLatency,
    /// <summary>SHA-256 of each trust anchor the last snapshot named, sorted; empty: no snapshot in this activation.</summary>
    [property: Id(5)] ImmutableArray<string> RemoteTrustAnchors,
    /// <summary>Catalog batches this link wrote in this activation (one per sync that changed something).</summary>
    [property: Id(6)] long CatalogWrites = 0,
    /// <summary>Upserts and deletes those batches carried: only what differed from the catalog is sent.</summary>
    [property: Id(7)] long CatalogResourcesWritten = 0);

[GenerateSerializer, Immutable, Alias("mesh.LinkCondition")]
public sealed record LinkCondition(
    [property: Id(0)] string Type,
    [property: Id(1)] bool Status,
    [property: Id(2)] string Reason,
    [property: Id(3)] string Message,
    [property: Id(4)] DateTimeOffset LastTransitionTime);

/// <summary>One mirror (<see cref="Namespace"/>/<see cref="Name"/>, of the remote Service <see cref="RemoteName"/>):
/// <see cref="Reason"/> is one of <see cref="MirrorReasons"/>.</summary>
[GenerateSerializer, Immutable, Alias("mesh.MirrorCondition")]
public sealed record MirrorCondition(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Name,
    [property: Id(2)] string RemoteName,
    [property: Id(3)] string Reason,
    [property: Id(4)] string Message);

public static class MirrorReasons
{
    /// <summary>Written and current.</summary>
    public const string Mirrored = "Mirrored";
    /// <summary>A resource of that name belongs to another source here (a local Service, say): never overwritten.</summary>
    public const string NameConflict = "NameConflict";
    /// <summary>The namespace holds nothing of this cluster's own: mirrors go only where the cluster has resources.</summary>
    public const string MissingNamespace = "MissingNamespace";
    /// <summary>The remote export cannot be mirrored (a name too long, no gateway, a value the parser refuses).</summary>
    public const string Error = "Error";
}

/// <summary>Link condition types.</summary>
public static class LinkConditions
{
    public const string FederationConnected = "FederationConnected";
    /// <summary>The gateway probe: False once <c>failureThreshold</c> probes in a row failed (the gateway-mode mirrors'
    /// endpoints are then not ready); reasons in <see cref="GatewayHealth.Reasons"/>.</summary>
    public const string GatewayAlive = "GatewayAlive";
}
