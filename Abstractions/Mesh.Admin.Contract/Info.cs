namespace Mesh.Admin.Contract;

/// <summary>`GET /api/v1/info`: the silo's version, trust domain, cluster, address, storage kind and uptime.</summary>
public sealed record InfoResponse(string? Version, string? TrustDomain, string? ClusterId, string? SiloAddress, string? Storage, double? UptimeSeconds);
