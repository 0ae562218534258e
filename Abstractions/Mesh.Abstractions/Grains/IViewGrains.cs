using System.Collections.Immutable;
using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Grains;

/// <summary>One Service, keyed "&lt;ns&gt;/&lt;name&gt;". Value null: the service does not exist.
/// Publishes every change on stream <see cref="MeshStreams.Services"/>.</summary>
[Alias("mesh.IServiceGrain")]
public interface IServiceGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<ServiceView?>> GetAsync();
    /// <summary>Sets the service (null deletes it); a value equal to the current one is not a change.</summary>
    [Alias("Set")] Task<long> SetAsync(ServiceView? view);
}

/// <summary>The endpoints of one Service, keyed "&lt;ns&gt;/&lt;service&gt;". Publishes on <see cref="MeshStreams.EndpointSets"/>.</summary>
[Alias("mesh.IEndpointSetGrain")]
public interface IEndpointSetGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<EndpointSetView>> GetAsync();
    [Alias("Set")] Task<long> SetAsync(EndpointSetView view);
}

/// <summary>Routing profile (compiled routes, retries, timeouts, failure accrual) of one Service, keyed
/// "&lt;ns&gt;/&lt;service&gt;", or the GAMMA consumer routes of one namespace, keyed <see cref="MeshNames.ConsumerKey"/>.
/// Publishes on <see cref="MeshStreams.Profiles"/>.</summary>
/// <remarks>Alias "mesh.IPolicyGrain": the interface was IPolicyGrain, and its alias names it (and its methods' invokers)
/// in calls between the silos of one cluster, so a silo of the previous release still understands this one.</remarks>
[Alias("mesh.IPolicyGrain")]
public interface IProfileGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<ProfileView>> GetAsync();
    [Alias("Set")] Task<long> SetAsync(ProfileView view);
}

/// <summary>Inbound authorization policies of the workloads of one partition of a namespace, keyed
/// <see cref="MeshNames.InboundPartition"/>; each workload's policy keeps its own version (never set = version 0,
/// "missing" with the default policy). Publishes the policies that changed, with their versions, on
/// <see cref="MeshStreams.InboundPartitions"/>.</summary>
[Alias("mesh.IInboundPoliciesGrain")]
public interface IInboundPoliciesGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<InboundPolicyView>> GetAsync(string workload);
    /// <summary>Sets the policies of these workloads (all of this partition); equal values are no change.</summary>
    [Alias("Set")] Task SetAsync(ImmutableArray<InboundPolicyView> views);
}

/// <summary>Who serves each address of one partition (a workload's address, or a Service's cluster IP), keyed
/// <see cref="MeshNames.AddressPartition"/>; each address (<see cref="MeshNames.AddressKey"/>) keeps its own version,
/// and each namespace's catalog claims or releases only its own entries. Publishes the addresses that changed on
/// <see cref="MeshStreams.AddressPartitions"/>.</summary>
[Alias("mesh.IAddressesGrain")]
public interface IAddressesGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<AddressView>> GetAsync(string addressKey);
    /// <summary>Sets namespace <paramref name="ns"/>'s claims on these addresses (all of this partition): a workload
    /// endpoint (null releases it) and a Service by its cluster IP; an unchanged claim is not a change.</summary>
    [Alias("Claim")] Task ClaimAsync(string ns, ImmutableArray<AddressClaim> claims);
}

/// <summary>One namespace's claim on one address: <see cref="Endpoint"/> when <see cref="IsService"/> is false (null
/// releases the workload claim), else <see cref="Service"/> (null releases the Service claim).</summary>
[GenerateSerializer, Immutable, Alias("mesh.AddressClaim")]
public sealed record AddressClaim(
    [property: Id(0)] string Key,
    [property: Id(1)] bool IsService,
    [property: Id(2)] WorkloadEndpoint? Endpoint,
    [property: Id(3)] string? Service);
