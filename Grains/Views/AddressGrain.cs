using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;

namespace Mesh.Grains.Views;

/// <summary>Who serves one address (a workload, or a Service by its cluster IP); never set = nobody. Each namespace's catalog writes only its own claim.</summary>
public sealed class AddressGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<ViewState<AddressView>> state)
    : ViewGrain<AddressView>(state, MeshStreams.Addresses), IAddressGrain
{
    protected override AddressView Initial(string ns, string name)
    {
        var colon = name.LastIndexOf(':');
        return AddressView.Empty(name[..colon].Trim('[', ']'), int.Parse(name[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
    }

    public Task<Versioned<AddressView>> GetAsync() => GetCoreAsync();

    public async Task<long> ClaimAsync(string ns, WorkloadEndpoint? endpoint)
    {
        var current = (await GetCoreAsync()).Value;
        var claims = endpoint is null ? current.Claims.Remove(ns) : current.Claims.SetItem(ns, endpoint);
        return await SetCoreAsync(current with { Claims = claims });
    }

    public async Task<long> ClaimServiceAsync(string ns, string? service)
    {
        var current = (await GetCoreAsync()).Value;
        var services = service is null ? current.Services.Remove(ns) : current.Services.SetItem(ns, service);
        return await SetCoreAsync(current with { Services = services });
    }
}
