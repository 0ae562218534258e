using System.Collections.Immutable;

namespace Mesh.Abstractions.Resources;

/// <summary>A kind the mesh accepts. Names users may type: Kind, Plural, and Aliases (all case-insensitive).</summary>
public sealed record ResourceKind(string Kind, string ApiVersion, string Plural, ImmutableArray<string> Aliases);

public static class ResourceKinds
{
    public static readonly ResourceKind Service = new("Service", "v1", "services", ["svc", "service"]);
    public static readonly ResourceKind Workload = new("Workload", "mesh.io/v1alpha1", "workloads", ["workload", "wl"]);
    public static readonly ResourceKind HttpRoute = new("HTTPRoute", "gateway.networking.k8s.io/v1", "httproutes", ["httproute"]);
    public static readonly ResourceKind GrpcRoute = new("GRPCRoute", "gateway.networking.k8s.io/v1", "grpcroutes", ["grpcroute"]);
    public static readonly ResourceKind Server = new("Server", "policy.mesh.io/v1alpha1", "servers", ["server", "srv"]);
    public static readonly ResourceKind AuthorizationPolicy = new("AuthorizationPolicy", "policy.mesh.io/v1alpha1", "authorizationpolicies", ["authorizationpolicy", "authz"]);
    public static readonly ResourceKind MeshTlsAuthentication = new("MeshTLSAuthentication", "policy.mesh.io/v1alpha1", "meshtlsauthentications", ["meshtlsauthentication", "meshtls"]);
    public static readonly ResourceKind NetworkAuthentication = new("NetworkAuthentication", "policy.mesh.io/v1alpha1", "networkauthentications", ["networkauthentication", "netauth"]);
    public static readonly ResourceKind HttpLocalRateLimitPolicy = new("HTTPLocalRateLimitPolicy", "policy.mesh.io/v1alpha1", "httplocalratelimitpolicies", ["httplocalratelimitpolicy", "ratelimit"]);

    public static readonly ResourceKind EndpointSlice = new(Names.KubernetesObjects.EndpointSliceKind, Names.KubernetesObjects.EndpointSliceApiVersion,
        "endpointslices", ["endpointslice", "eps"]);

    public static readonly ResourceKind Link = new("Link", "multicluster.mesh.io/v1alpha1", "links", ["link"]);
    public static readonly ResourceKind FederationPeer = new("FederationPeer", "multicluster.mesh.io/v1alpha1", "federationpeers", ["federationpeer", "peer"]);

    public static readonly ImmutableArray<ResourceKind> All =
        [Service, Workload, HttpRoute, GrpcRoute, Server, AuthorizationPolicy, MeshTlsAuthentication, NetworkAuthentication, HttpLocalRateLimitPolicy,
         EndpointSlice, Link, FederationPeer];

    /// <summary>The kinds a Kubernetes cluster serves as custom resources (the Gateway API's and ours), which the sync
    /// lists as they are: one list, so the sync, `mesh check` and every fake cluster that installs CRDs agree.</summary>
    public static readonly ImmutableArray<ResourceKind> CustomResources =
        [HttpRoute, GrpcRoute, Server, AuthorizationPolicy, MeshTlsAuthentication, NetworkAuthentication, HttpLocalRateLimitPolicy, Link, FederationPeer];

    /// <summary>The kind a user means by a name such as "svc", "services" or "HTTPRoute"; null if none.</summary>
    public static ResourceKind? Resolve(string name) =>
        All.FirstOrDefault(k => string.Equals(k.Kind, name, StringComparison.OrdinalIgnoreCase)
            || string.Equals(k.Plural, name, StringComparison.OrdinalIgnoreCase)
            || k.Aliases.Any(a => string.Equals(a, name, StringComparison.OrdinalIgnoreCase)));
}
