using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>One namespace's resources as typed records, each kind sorted by name so derivation is deterministic
/// whatever order storage returns them in. Resources of other namespaces and unreadable JSON are left out.</summary>
internal sealed record NamespaceResources(
    string Namespace,
    ImmutableArray<ServiceResource> Services,
    ImmutableArray<WorkloadResource> Workloads,
    ImmutableArray<HttpRouteResource> HttpRoutes,
    ImmutableArray<GrpcRouteResource> GrpcRoutes,
    ImmutableArray<ServerResource> Servers,
    ImmutableArray<AuthorizationPolicyResource> AuthorizationPolicies,
    ImmutableArray<MeshTlsAuthenticationResource> MeshTlsAuthentications,
    ImmutableArray<NetworkAuthenticationResource> NetworkAuthentications,
    ImmutableArray<HttpLocalRateLimitPolicyResource> RateLimits,
    ImmutableArray<EndpointSliceResource> EndpointSlices)
{
    /// <summary>Workloads by each (label, value) they carry, so a selector scans only workloads sharing a pair with it.</summary>
    // The lookups are built on first use: re-deriving after a Workload change (EndpointSourceChangeDeriver) needs few of them.
    private ILookup<(string Key, string Value), WorkloadResource>? _workloadsByLabel;
    private IReadOnlyDictionary<string, WorkloadResource>? _workloadsByName;
    private ILookup<string, EndpointSliceResource>? _endpointSlicesByService;
    private ILookup<string, HttpRouteResource>? _httpRoutesByParent;
    private ILookup<string, GrpcRouteResource>? _grpcRoutesByParent;

    public ILookup<(string Key, string Value), WorkloadResource> WorkloadsByLabel => _workloadsByLabel ??=
        Workloads.SelectMany(w => w.Metadata.Labels.Select(l => (Label: (l.Key, l.Value), Workload: w)))
            .ToLookup(x => x.Label, x => x.Workload);

    /// <summary>Workloads by name: an EndpointSlice endpoint's targetRef names its Pod, which the sync stores as the
    /// Workload of the same name.</summary>
    public IReadOnlyDictionary<string, WorkloadResource> WorkloadsByName => _workloadsByName ??=
        Workloads.DistinctBy(w => w.Metadata.Name, StringComparer.Ordinal).ToDictionary(w => w.Metadata.Name, StringComparer.Ordinal);

    /// <summary>EndpointSlices by the Service their <see cref="Names.KubernetesObjects.ServiceNameLabel"/> names (in name
    /// order within each); a slice without the label belongs to no Service.</summary>
    public ILookup<string, EndpointSliceResource> EndpointSlicesByService => _endpointSlicesByService ??=
        EndpointSlices.Where(s => s.Metadata.Labels.ContainsKey(Names.KubernetesObjects.ServiceNameLabel))
            .ToLookup(s => s.Metadata.Labels[Names.KubernetesObjects.ServiceNameLabel], StringComparer.Ordinal);

    /// <summary>Routes by the Service names their parentRefs mention (in name order within each).</summary>
    public ILookup<string, HttpRouteResource> HttpRoutesByParent => _httpRoutesByParent ??=
        HttpRoutes.SelectMany(r => r.Spec.ParentRefs.Select(p => p.Name).Distinct().Select(n => (n, r))).ToLookup(x => x.n, x => x.r);

    public ILookup<string, GrpcRouteResource> GrpcRoutesByParent => _grpcRoutesByParent ??=
        GrpcRoutes.SelectMany(r => r.Spec.ParentRefs.Select(p => p.Name).Distinct().Select(n => (n, r))).ToLookup(x => x.n, x => x.r);

    public static NamespaceResources From(string ns, IReadOnlyList<StoredResource> stored)
    {
        var typed = new List<MeshResource>();
        foreach (var r in stored)
        {
            if (r.Namespace != ns) continue;
            if (ParsedResources.Of(r) is { } resource) typed.Add(resource);
        }
        ImmutableArray<T> Of<T>() where T : MeshResource =>
            [.. typed.OfType<T>().OrderBy(t => t.Metadata.Name, StringComparer.Ordinal)];
        return new NamespaceResources(ns, Of<ServiceResource>(), Of<WorkloadResource>(), Of<HttpRouteResource>(),
            Of<GrpcRouteResource>(), Of<ServerResource>(), Of<AuthorizationPolicyResource>(),
            Of<MeshTlsAuthenticationResource>(), Of<NetworkAuthenticationResource>(), Of<HttpLocalRateLimitPolicyResource>(),
            Of<EndpointSliceResource>());
    }
}
