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
