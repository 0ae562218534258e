using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Resources;

public sealed record ReconcileSettings(string TrustDomain, DefaultPolicyKind DefaultPolicy, ImmutableArray<string> ClusterNetworks)
{
    public static readonly ReconcileSettings Default = new(MeshNames.DefaultTrustDomain, DefaultPolicyKind.AllUnauthenticated,
        ImmutableArray.Create("10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fd00::/8", "::1/128"));
}

/// <summary>Everything derived from one namespace's resources. Keys are names within the namespace
/// (services for Services/Endpoints/Profiles, workloads for Inbound).</summary>
public sealed record DerivedNamespace(
    ImmutableDictionary<string, ServiceView> Services,
    ImmutableDictionary<string, EndpointSetView> Endpoints,
    ImmutableDictionary<string, ProfileView> Profiles,
    ImmutableDictionary<string, InboundPolicyView> Inbound);

/// <summary>Derives the data-plane views of a namespace from its resources, as Kubernetes controllers derive
/// EndpointSlices from Pods: pure, deterministic, no I/O.</summary>
public static class MeshReconciler
{
    public static DerivedNamespace Derive(string ns, IReadOnlyList<StoredResource> resources, ReconcileSettings settings) =>
        throw new NotImplementedException("filled in by the resource model work (issue 2)");
}
