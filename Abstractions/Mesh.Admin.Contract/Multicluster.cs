namespace Mesh.Admin.Contract;

/// <summary>`GET /api/v1/multicluster/link`: what another cluster needs to link to this one (`mesh multicluster
/// link-gen` turns it into a Link). FederationAddress is null when this silo serves no federation API.</summary>
public sealed record LinkInfoResponse(
    string? ClusterName,
    string TrustDomain,
    string ClusterDomain,
    string? FederationAddress,
    string FederationIdentity,
    string? GatewayAddress,
    int? GatewayPort,
    string? GatewayIdentity,
    IReadOnlyList<string> TrustAnchorSha256);

/// <summary>`GET /api/v1/multicluster/links`: every Link with its link grain's status, and the resources owned by a
/// link whose Link is gone (orphans: `mesh multicluster unlink CLUSTER` removes them).</summary>
public sealed record LinksResponse(IReadOnlyList<LinkStatusRow> Links, IReadOnlyList<OwnedResource> Orphans);

/// <summary>One Link: where it watches, its FederationConnected condition, one condition per mirror, and its gateway
/// probe: GatewayAlive (reasons NotProbedYet, ProbeSucceeded, ProbeFailing, ProbeFailed, NoGateway) and the last
/// successful probe's latency (null: none yet). RemoteTrustAnchorSha256: the linked cluster's trust anchors as its last
/// snapshot named them (empty: no snapshot yet), to compare with this cluster's (<see cref="LinkInfoResponse"/>).</summary>
public sealed record LinkStatusRow(
    string Cluster,
    string FederationAddress,
    string? GatewayAddress,
    LinkConditionInfo FederationConnected,
    IReadOnlyList<MirrorStatusInfo> Services,
    DateTimeOffset? LastMessage,
    LinkConditionInfo? GatewayAlive = null,
    double? GatewayLatencyMs = null,
    IReadOnlyList<string>? RemoteTrustAnchorSha256 = null);

/// <summary>Status is "True" or "False", as Kubernetes conditions.</summary>
public sealed record LinkConditionInfo(string Type, string Status, string Reason, string Message, DateTimeOffset LastTransitionTime);

/// <summary>Reason: Mirrored, NameConflict, MissingNamespace or Error.</summary>
public sealed record MirrorStatusInfo(string Namespace, string Name, string RemoteService, string Reason, string Message);

public sealed record OwnedResource(string Source, string Kind, string Namespace, string Name);

/// <summary>`POST /api/v1/multicluster/links/{cluster}/unlink`: whether the Link was deleted, and each resource of
/// source link/{cluster} deleted ("kind namespace/name").</summary>
public sealed record UnlinkResponse(string Cluster, bool LinkDeleted, IReadOnlyList<string> Deleted);
