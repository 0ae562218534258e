using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Derivation;

namespace Mesh.Abstractions.Resources;

public sealed record ReconcileSettings(string TrustDomain, DefaultPolicyKind DefaultPolicy, ImmutableArray<string> ClusterNetworks)
{
    public static readonly ReconcileSettings Default = new(MeshNames.DefaultTrustDomain, DefaultPolicyKind.AllUnauthenticated,
        ImmutableArray.Create("10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "fd00::/8", "::1/128"));
}

/// <summary>Everything derived from one namespace's resources. Keys are names within the namespace
/// (services for Services/EndpointSets/Profiles, workloads for Inbound). Compare views with <see cref="ViewEquality"/>:
/// records holding ImmutableArray/ImmutableDictionary do not compare by content.</summary>
public sealed record DerivedNamespace(
    ImmutableDictionary<string, ServiceView> Services,
    ImmutableDictionary<string, EndpointSetView> EndpointSets,
    ImmutableDictionary<string, ProfileView> Profiles,
    ImmutableDictionary<string, InboundPolicyView> Inbound)
{
    /// <summary>GAMMA consumer routes of this namespace, keyed by the Service they attach to in another namespace
    /// ("&lt;ns&gt;/&lt;name&gt;"); written to the profile grain <see cref="MeshNames.ConsumerKey"/>.</summary>
    public ImmutableDictionary<string, ProfileView> ConsumerProfiles { get; init; } = ImmutableDictionary<string, ProfileView>.Empty;

    /// <summary>This namespace's workload addresses, keyed <see cref="MeshNames.AddressKey"/>: its claims on the
    /// address grains, for discovery by address.</summary>
    public ImmutableDictionary<string, WorkloadEndpoint> Addresses { get; init; } = ImmutableDictionary<string, WorkloadEndpoint>.Empty;

    /// <summary>This namespace's Service cluster IPs × ports, keyed <see cref="MeshNames.AddressKey"/>, each the name of
    /// its Service: its service claims on the address grains, so a watched ClusterIP:port resolves to the Service.</summary>
    public ImmutableDictionary<string, string> ServiceAddresses { get; init; } = ImmutableDictionary<string, string>.Empty;
}

/// <summary>Derives the data-plane views of a namespace from its resources, as Kubernetes controllers derive
/// EndpointSlices from Pods: pure, deterministic, no I/O.</summary>
public static class MeshReconciler
{
    /// <summary>Views of namespace <paramref name="ns"/>; resources of other namespaces are ignored. Never throws for
    /// dangling references: backends to missing Services are kept (the proxy learns they do not exist), and an
    /// authorization needing a missing authentication is dropped.</summary>
    public static DerivedNamespace Derive(string ns, IReadOnlyList<StoredResource> resources, ReconcileSettings settings)
    {
        var all = NamespaceResources.From(ns, resources);
        var services = ImmutableDictionary.CreateBuilder<string, ServiceView>(StringComparer.Ordinal);
        var endpoints = ImmutableDictionary.CreateBuilder<string, EndpointSetView>(StringComparer.Ordinal);
        var profiles = ImmutableDictionary.CreateBuilder<string, ProfileView>(StringComparer.Ordinal);
        var inbound = ImmutableDictionary.CreateBuilder<string, InboundPolicyView>(StringComparer.Ordinal);
        foreach (var service in all.Services)
        {
            var name = service.Metadata.Name;
            var view = ServiceViewBuilder.Build(service);
            services[name] = view;
            endpoints[name] = EndpointDeriver.Derive(service, all, settings.TrustDomain);
            profiles[name] = RouteCompiler.Compile(service, view, all);
        }
        foreach (var workload in all.Workloads)
            inbound[workload.Metadata.Name] = InboundPolicyDeriver.Derive(workload, all, settings);
        return new DerivedNamespace(services.ToImmutable(), endpoints.ToImmutable(), profiles.ToImmutable(), inbound.ToImmutable())
        {
            ConsumerProfiles = RouteCompiler.CompileConsumers(all),
            Addresses = AddressDeriver.Workloads(all, settings.TrustDomain),
            ServiceAddresses = AddressDeriver.Services(all),
        };
    }

    /// <summary>The derivation of <paramref name="resources"/> when they differ from those <paramref name="previous"/>
    /// was derived from only by <paramref name="changes"/>, all Workloads or EndpointSlices
    /// (<see cref="HandlesIncrementally"/>): re-derives only the views those can move
    /// (<see cref="EndpointSourceChangeDeriver"/>), so one pod or one slice changing in a namespace of thousands costs
    /// about one pod or one Service. Equal to <see cref="Derive"/> of the same resources.</summary>
    public static DerivedNamespace DeriveEndpointSourceChanges(string ns, DerivedNamespace previous, IReadOnlyList<StoredResource> resources,
        IReadOnlyCollection<EndpointSourceChange> changes, ReconcileSettings settings) =>
        EndpointSourceChangeDeriver.Derive(NamespaceResources.From(ns, resources), previous, changes, settings);

    /// <summary>Whether a change of this kind can be derived by <see cref="DeriveEndpointSourceChanges"/>.</summary>
    public static bool HandlesIncrementally(string kind) => EndpointSourceChangeDeriver.Handles(kind);
}
