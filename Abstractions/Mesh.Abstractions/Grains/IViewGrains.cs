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

/// <summary>Inbound authorization policy of one workload, keyed "&lt;ns&gt;/&lt;workload&gt;".
/// Publishes on <see cref="MeshStreams.Inbound"/>.</summary>
[Alias("mesh.IInboundPolicyGrain")]
public interface IInboundPolicyGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<InboundPolicyView>> GetAsync();
    [Alias("Set")] Task<long> SetAsync(InboundPolicyView view);
}

/// <summary>Who serves one address (a workload's, or a Service's cluster IP), keyed <see cref="MeshNames.AddressKey"/> ("addr/&lt;ip&gt;:&lt;port&gt;"); each
/// namespace's catalog claims or releases its own entry. Publishes on <see cref="MeshStreams.Addresses"/>.</summary>
[Alias("mesh.IAddressGrain")]
public interface IAddressGrain : IGrainWithStringKey
{
    [Alias("Get")] Task<Versioned<AddressView>> GetAsync();
    /// <summary>Sets namespace <paramref name="ns"/>'s claim (null releases it); an unchanged claim is not a change.</summary>
    [Alias("Claim")] Task<long> ClaimAsync(string ns, WorkloadEndpoint? endpoint);
    /// <summary>Sets namespace <paramref name="ns"/>'s Service claim (the Service whose cluster IP and port this is;
    /// null releases it); an unchanged claim is not a change.</summary>
    [Alias("ClaimService")] Task<long> ClaimServiceAsync(string ns, string? service);
}
