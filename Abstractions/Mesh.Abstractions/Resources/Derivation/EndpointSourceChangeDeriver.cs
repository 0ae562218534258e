using System.Collections.Immutable;
using System.Net;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Re-derives only what changed endpoint sources — Workloads and EndpointSlices — can move, on top of the
/// previous derivation of the same namespace (every other kind unchanged). For Workloads: the endpoint sets of the
/// Services whose selector matched a changed Workload before or after (and of those whose EndpointSlices name one), the
/// changed Workloads' inbound policies, and the address claims on the addresses they held or hold. For EndpointSlices:
/// the endpoint sets of the Services a changed slice names (its <c>kubernetes.io/service-name</c>) before or after —
/// nothing else reads slices. Services, profiles, consumer routes and Service addresses read neither and are kept. Every
/// untouched view keeps its instance, so comparing the result with the previous one is a reference check per view.
/// Equal to <see cref="MeshReconciler.Derive"/> by construction and by a property test.</summary>
internal static class EndpointSourceChangeDeriver
{
    /// <summary>The kinds a change may be of; a write that changed anything else is derived whole.</summary>
    public static bool Handles(string kind) => kind == ResourceKinds.Workload.Kind || kind == ResourceKinds.EndpointSlice.Kind;

    public static DerivedNamespace Derive(NamespaceResources all, DerivedNamespace previous, IReadOnlyCollection<EndpointSourceChange> changes,
        ReconcileSettings settings)
    {
        var before = changes.Select(c => c.Before is null ? null : ParsedResources.Of(c.Before) as WorkloadResource).OfType<WorkloadResource>().ToList();
        var after = changes.Select(c => c.After is null ? null : ParsedResources.Of(c.After) as WorkloadResource).OfType<WorkloadResource>()
            .Select(w => all.WorkloadsByName.GetValueOrDefault(w.Metadata.Name)).OfType<WorkloadResource>().ToList();
        var names = before.Concat(after).Select(w => w.Metadata.Name).ToHashSet(StringComparer.Ordinal);
        // The Services a changed slice belonged to or belongs to: only their endpoints read it.
        var sliced = changes.SelectMany(c => new[] { c.Before, c.After }).OfType<StoredResource>()
            .Select(r => ParsedResources.Of(r) as EndpointSliceResource).OfType<EndpointSliceResource>()
            .Select(s => s.Metadata.Labels.GetValueOrDefault(Names.KubernetesObjects.ServiceNameLabel)).OfType<string>()
            .ToHashSet(StringComparer.Ordinal);

        var endpoints = previous.EndpointSets.ToBuilder();
        if (names.Count > 0)
            foreach (var service in all.Services)
            {
                var name = service.Metadata.Name;
                if (sliced.Contains(name) || !Affected(service, before, after, names, all)) continue;
                endpoints[name] = !all.EndpointSlicesByService[name].Any() && previous.EndpointSets.TryGetValue(name, out var set)
                    ? EndpointDeriver.Patch(set, service, names, after, settings.TrustDomain)
                    : EndpointDeriver.Derive(service, all, settings.TrustDomain);
            }
        foreach (var name in sliced)
            if (all.Services.FirstOrDefault(s => s.Metadata.Name == name) is { } service)
                endpoints[name] = EndpointDeriver.Derive(service, all, settings.TrustDomain);

        if (names.Count == 0) return previous with { EndpointSets = endpoints.ToImmutable() };
        var inbound = previous.Inbound.ToBuilder();
        foreach (var name in names) inbound.Remove(name);
        foreach (var w in after) inbound[w.Metadata.Name] = InboundPolicyDeriver.Derive(w, all, settings);

        return previous with
        {
            EndpointSets = endpoints.ToImmutable(),
            Inbound = inbound.ToImmutable(),
            Addresses = Addresses(previous.Addresses, before, after, all, settings.TrustDomain),
        };
    }

    private static bool Affected(ServiceResource service, List<WorkloadResource> before, List<WorkloadResource> after, HashSet<string> names,
        NamespaceResources all)
    {
        var selector = service.Spec.Selector;
        if (!selector.IsEmpty && before.Concat(after).Any(w => LabelSelectorMatcher.MatchesServiceSelector(selector, w.Metadata.Labels))) return true;
        // A slice endpoint borrows its Pod's identity and ports from the Workload of that name.
        foreach (var slice in all.EndpointSlicesByService[service.Metadata.Name])
            foreach (var e in slice.Endpoints)
                if (e.TargetRef is { Kind: "Pod" } target && names.Contains(target.Name)) return true;
        return false;
    }

    /// <summary>Every claim on an address a changed Workload held or holds is made again from the Workloads that list
    /// that address now, in name order (the first by name keeps a contested key, as in the full derivation). Claims on
    /// other addresses have the same candidates as before, so they stand.</summary>
    private static ImmutableDictionary<string, WorkloadEndpoint> Addresses(ImmutableDictionary<string, WorkloadEndpoint> previous,
        List<WorkloadResource> before, List<WorkloadResource> after, NamespaceResources all, string trustDomain)
    {
        var touched = before.Concat(after).SelectMany(w => w.Spec.Addresses).Select(Normal).ToHashSet(StringComparer.Ordinal);
        if (touched.Count == 0) return previous;
        var holders = all.Workloads.Where(w => w.Spec.Addresses.Any(a => touched.Contains(Normal(a)))).ToList();

        var result = previous.ToBuilder();
        foreach (var w in before.Concat(holders))
            foreach (var (address, port) in Served(w, all, touched))
                result.Remove(AddressDeriver.Key(address, port));
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var w in holders)
        {
            var ports = WorkloadPorts.Of(w);
            var identity = WorkloadPorts.Identity(w, trustDomain);
            foreach (var (address, port) in Served(w, all, touched))
            {
                var key = AddressDeriver.Key(address, port);
                if (claimed.Add(key))
                    result[key] = AddressDeriver.Endpoint(w, address, ports, identity);
            }
        }
        return result.ToImmutable();
    }

    private static IEnumerable<(string Address, int Port)> Served(WorkloadResource w, NamespaceResources all, HashSet<string> touched)
    {
        var served = WorkloadPorts.Declared(w, all).Values.Distinct().Order().ToList();
        foreach (var address in w.Spec.Addresses)
            if (touched.Contains(Normal(address)))
                foreach (var port in served)
                    yield return (address, port);
    }

    private static string Normal(string address) => IPAddress.TryParse(address, out var ip) ? ip.ToString() : address;
}

/// <summary>One Workload or EndpointSlice as it was stored before a write and after it (null: absent on that side).</summary>
public sealed record EndpointSourceChange(StoredResource? Before, StoredResource? After);
