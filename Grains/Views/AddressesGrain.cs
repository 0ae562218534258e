using System.Collections.Immutable;
using System.Globalization;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Grains.State;

namespace Mesh.Grains.Views;

/// <summary>Who serves each address of one partition (<see cref="MeshNames.AddressPartition"/>): a workload, or a
/// Service by its cluster IP; never set = nobody. Each namespace's catalog writes only its own claims.</summary>
public sealed class AddressesGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<PartitionState<AddressView>> snapshot,
    [PersistentState("log", MeshNames.StateStore)] IPersistentState<DeltaLog<ViewPartitionChange<AddressView>>> log)
    : PartitionViewGrain<AddressView>(snapshot, log, MeshStreams.AddressPartitions), IAddressesGrain
{
    protected override AddressView Initial(string key)
    {
        var name = key["addr/".Length..];
        var colon = name.LastIndexOf(':');
        return AddressView.Empty(name[..colon].Trim('[', ']'), int.Parse(name[(colon + 1)..], CultureInfo.InvariantCulture));
    }

    public Task<Versioned<AddressView>> GetAsync(string addressKey)
    {
        Check(addressKey);
        return Task.FromResult(Get(addressKey));
    }

    public Task ClaimAsync(string ns, ImmutableArray<AddressClaim> claims)
    {
        var next = new Dictionary<string, AddressView>(StringComparer.Ordinal);
        foreach (var claim in claims)
        {
            Check(claim.Key);
            var current = next.TryGetValue(claim.Key, out var pending) ? pending : Get(claim.Key).Value;
            next[claim.Key] = claim.IsService
                ? current with { Services = claim.Service is null ? current.Services.Remove(ns) : current.Services.SetItem(ns, claim.Service) }
                : current with { Claims = claim.Endpoint is null ? current.Claims.Remove(ns) : current.Claims.SetItem(ns, claim.Endpoint) };
        }
        return SetManyAsync(next.Select(kv => (kv.Key, kv.Value)));
    }

    private void Check(string key)
    {
        if (!key.StartsWith("addr/", StringComparison.Ordinal) || key.LastIndexOf(':') < 0 || MeshNames.AddressPartition(key) != this.GetPrimaryKeyString())
            throw new ArgumentException($"address {key} does not belong to partition {this.GetPrimaryKeyString()}", nameof(key));
    }
}
