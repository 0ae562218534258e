using System.Collections.Frozen;
using System.Text.Json.Nodes;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>The whole-document shape of each kind: apiVersion, kind, metadata, spec (and status for Workload);
/// EndpointSlice has no spec.</summary>
internal static class KindSchemas
{
    public static readonly FrozenDictionary<string, ObjectShape> ByKind = new Dictionary<string, ObjectShape>
    {
        ["Service"] = Document(ResourceKinds.Service, Checks.Dns1035Label, ServiceSchema.Spec),
        ["Workload"] = Document(ResourceKinds.Workload, Checks.Dns1123Subdomain, WorkloadSchema.Spec,
            Def("status", WorkloadSchema.Status, new JsonObject { ["ready"] = true })),
        ["HTTPRoute"] = Document(ResourceKinds.HttpRoute, Checks.Dns1123Subdomain, RouteSchema.HttpSpec),
        ["GRPCRoute"] = Document(ResourceKinds.GrpcRoute, Checks.Dns1123Subdomain, RouteSchema.GrpcSpec),
        ["Server"] = Document(ResourceKinds.Server, Checks.Dns1123Subdomain, PolicySchema.ServerSpec),
        ["AuthorizationPolicy"] = Document(ResourceKinds.AuthorizationPolicy, Checks.Dns1123Subdomain, PolicySchema.AuthorizationPolicySpec),
        ["MeshTLSAuthentication"] = Document(ResourceKinds.MeshTlsAuthentication, Checks.Dns1123Subdomain, PolicySchema.MeshTlsAuthenticationSpec),
        ["NetworkAuthentication"] = Document(ResourceKinds.NetworkAuthentication, Checks.Dns1123Subdomain, PolicySchema.NetworkAuthenticationSpec),
        ["HTTPLocalRateLimitPolicy"] = Document(ResourceKinds.HttpLocalRateLimitPolicy, Checks.Dns1123Subdomain, PolicySchema.HttpLocalRateLimitPolicySpec),
        // Kubernetes puts an EndpointSlice's fields at the top level; the same YAML must parse here.
        ["EndpointSlice"] = EndpointSliceSchema.Document,
        ["Link"] = MulticlusterSchema.Document(ResourceKinds.Link, MulticlusterSchema.LinkSpec),
        ["FederationPeer"] = MulticlusterSchema.Document(ResourceKinds.FederationPeer, MulticlusterSchema.FederationPeerSpec),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static ObjectShape Document(ResourceKind kind, Func<string, string?> nameCheck, ObjectShape spec, params Field[] extra) => Obj(
        [
            Req("apiVersion", Enum(kind.ApiVersion)),
            Req("kind", Enum(kind.Kind)),
            Req("metadata", CommonSchema.Metadata(kind.Kind, nameCheck)),
            Req("spec", spec),
            .. extra,
        ]);
}
