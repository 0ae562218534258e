using System.Collections.Immutable;
using System.Globalization;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Derives a Service's endpoints, one rule for local and Kubernetes mode: from its EndpointSlices when it has
/// any (Kubernetes, or a selector-less Service given slices by hand), otherwise from the Workloads its selector matches
/// (as the EndpointSlice controller would derive them from Pods).</summary>
internal static class EndpointDeriver
{
    public static EndpointSetView Derive(ServiceResource service, NamespaceResources all, string trustDomain)
    {
        var slices = all.EndpointSlicesByService[service.Metadata.Name];
        var endpoints = !slices.Any() ? FromWorkloads(service, all, trustDomain)
            : service.Metadata.Labels.ContainsKey(Names.MulticlusterNames.FederatedServiceLabel)
                // A federated service: the linked members' slices and the local member's Workloads together.
                ? [.. FromSlices(service, slices, all, trustDomain), .. FromWorkloads(service, all, trustDomain)]
                : FromSlices(service, slices, all, trustDomain);
        return new EndpointSetView(service.Metadata.Namespace, service.Metadata.Name, endpoints);
    }

    /// <summary>One endpoint per workload address, ordered by workload name then address order.</summary>
    private static ImmutableArray<WorkloadEndpoint> FromWorkloads(ServiceResource service, NamespaceResources all, string trustDomain)
    {
        var endpoints = ImmutableArray.CreateBuilder<WorkloadEndpoint>();
        // Only workloads carrying the selector's rarest pair can match; the lookup keeps name order.
        var candidates = service.Spec.Selector.IsEmpty ? []
            : service.Spec.Selector.Select(p => all.WorkloadsByLabel[(p.Key, p.Value)]).MinBy(c => c.Count())!;
        foreach (var w in candidates)
            if (LabelSelectorMatcher.MatchesServiceSelector(service.Spec.Selector, w.Metadata.Labels))
                endpoints.AddRange(Of(w, trustDomain));
        return endpoints.ToImmutable();
    }

    /// <summary>The endpoints of a Service that derives them from Workloads (no EndpointSlices), after the Workloads
    /// named <paramref name="changed"/> changed (<paramref name="after"/>: those that still exist): the previous set
    /// without the changed ones' endpoints, with the matching ones' new endpoints merged in by workload name. Every other
    /// endpoint keeps its instance, so a delta against the previous set is found by reference.</summary>
    public static EndpointSetView Patch(EndpointSetView previous, ServiceResource service, IReadOnlySet<string> changed,
        IEnumerable<WorkloadResource> after, string trustDomain)
    {
        var selector = service.Spec.Selector;
        var added = selector.IsEmpty ? []
            : after.Where(w => LabelSelectorMatcher.MatchesServiceSelector(selector, w.Metadata.Labels))
                .OrderBy(w => w.Metadata.Name, StringComparer.Ordinal).SelectMany(w => Of(w, trustDomain)).ToList();
        var result = ImmutableArray.CreateBuilder<WorkloadEndpoint>(previous.Endpoints.Length + added.Count);
        var next = 0;
        foreach (var e in previous.Endpoints)
        {
            if (changed.Contains(e.Workload)) continue;
            while (next < added.Count && string.CompareOrdinal(added[next].Workload, e.Workload) < 0) result.Add(added[next++]);
            result.Add(e);
        }
        while (next < added.Count) result.Add(added[next++]);
        return previous with { Endpoints = result.DrainToImmutable() };
    }

    private static IEnumerable<WorkloadEndpoint> Of(WorkloadResource w, string trustDomain)
    {
        var ports = WorkloadPorts.Of(w);
        var identity = WorkloadPorts.Identity(w, trustDomain);
        foreach (var address in w.Spec.Addresses)
            yield return new WorkloadEndpoint(w.Metadata.Name, address, ports, identity,
                w.Spec.Proxy?.InboundPort, w.Spec.Proxy?.AdminPort, w.Spec.Zone, w.Spec.Weight, w.Status.Ready,
                w.Metadata.Labels);
    }

    /// <summary>The endpoints of every slice (IP slices only: the proxy dials addresses, not names), one per address:
    /// an address listed by several slices (Kubernetes moves endpoints between slices) is merged — ready if any slice
    /// says so, with the ports of all. Ordered by workload name, then address, whatever slice they came from.</summary>
    private static ImmutableArray<WorkloadEndpoint> FromSlices(ServiceResource service, IEnumerable<EndpointSliceResource> slices,
        NamespaceResources all, string trustDomain)
    {
        var merged = new Dictionary<string, WorkloadEndpoint>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            if (slice.AddressType == "FQDN") continue;
            var ports = TargetPorts(service, slice);
            var mirror = MirrorProxy.Of(slice);
            foreach (var e in slice.Endpoints)
            {
                if (e.Addresses.IsDefaultOrEmpty) continue; // never from the parser; stored JSON from elsewhere must not throw
                var endpoint = Endpoint(e, ports, all, trustDomain, mirror);
                merged[endpoint.Address] = merged.TryGetValue(endpoint.Address, out var seen) ? Merge(seen, endpoint) : endpoint;
            }
        }
        return [.. merged.Values.OrderBy(e => e.Workload, StringComparer.Ordinal).ThenBy(e => e.Address, StringComparer.Ordinal)];
    }

    /// <summary>A slice endpoint. Readiness is the slice's (absent = ready, as Kubernetes defines it); a targetRef to a
    /// Pod the catalog holds as a Workload (the sync writes Pods as Workloads of the same name) lends its identity, proxy
    /// ports, zone, weight and labels. Without one the endpoint is unmeshed unless the slice is a multicluster mirror's
    /// that names its proxies' identity and port (<see cref="MirrorProxy"/>): no identity is ever guessed.</summary>
    private static WorkloadEndpoint Endpoint(SliceEndpoint e, ImmutableDictionary<string, int> ports, NamespaceResources all, string trustDomain,
        MirrorProxy? mirror)
    {
        var local = e.TargetRef is { } target && (target.Namespace ?? all.Namespace) == all.Namespace ? target : null;
        var w = local is { Kind: "Pod" } && all.WorkloadsByName.TryGetValue(local.Name, out var found) ? found : null;
        var remote = w is null ? mirror : null;
        // The name of a pod not (yet) synced still says which workload it is; one in another namespace would mislead.
        // A mirror's endpoint names its remote workload in hostname (the remote pod is nothing here).
        return new WorkloadEndpoint(w?.Metadata.Name ?? local?.Name ?? (remote is not null ? e.Hostname : null) ?? "", e.Addresses[0], ports,
            w is null ? remote?.Identity : WorkloadPorts.Identity(w, trustDomain), w?.Spec.Proxy?.InboundPort ?? remote?.ProxyPort,
            w?.Spec.Proxy?.AdminPort, w?.Spec.Zone ?? e.Zone, w?.Spec.Weight ?? 1, e.Conditions.Ready ?? true,
            w?.Metadata.Labels ?? ImmutableDictionary<string, string>.Empty, remote?.Authority)
        {
            // Which linked cluster it is in: prefer-local balancing tells local endpoints from remote ones by it.
            Cluster = remote?.Cluster,
        };
    }

    /// <summary>What a multicluster mirror's slice says about its endpoints' proxies (annotations of
    /// <see cref="Names.MulticlusterNames"/>), and the linked cluster its label names; null unless it names both an
    /// identity and a valid proxy port.</summary>
    private sealed record MirrorProxy(string Identity, int ProxyPort, string? Authority, string? Cluster)
    {
        public static MirrorProxy? Of(EndpointSliceResource slice)
        {
            var a = slice.Metadata.Annotations;
            if (!a.TryGetValue(Names.MulticlusterNames.SliceIdentityAnnotation, out var identity) || !Names.SpiffeId.TryParse(identity, out _)) return null;
            if (!a.TryGetValue(Names.MulticlusterNames.SliceProxyPortAnnotation, out var text)
                || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535) return null;
            return new MirrorProxy(identity, port, a.GetValueOrDefault(Names.MulticlusterNames.SliceAuthorityAnnotation),
                slice.Metadata.Labels.GetValueOrDefault(Names.MulticlusterNames.ClusterLabel) is { Length: > 0 } cluster ? cluster : null);
        }
    }

    private static WorkloadEndpoint Merge(WorkloadEndpoint first, WorkloadEndpoint second)
    {
        var ports = first.Ports.ToBuilder();
        foreach (var (key, port) in second.Ports) ports.TryAdd(key, port);
        return first with { Ports = ports.ToImmutable(), Ready = first.Ready || second.Ready };
    }

    /// <summary>The slice's ports keyed as discovery looks them up: by each Service port's targetPort (the slice port
    /// named like the Service port gives the number — Kubernetes resolved a named targetPort per pod already), and each
    /// slice port number as itself. A Service port the slice lacks is absent, so a named targetPort finds no endpoint
    /// here, as in Kubernetes.</summary>
    private static ImmutableDictionary<string, int> TargetPorts(ServiceResource service, EndpointSliceResource slice)
    {
        var b = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var p in slice.Ports)
            if (p.Port is int number) b[number.ToString(CultureInfo.InvariantCulture)] = number;
        var mapped = new HashSet<string>(StringComparer.Ordinal);
        foreach (var sp in service.Spec.Ports)
        {
            var match = slice.Ports.FirstOrDefault(p => p.Name == (sp.Name ?? "") && p.Protocol == sp.Protocol);
            // Two Service ports with one targetPort but different slice numbers: the first keeps it (deterministic).
            if (match?.Port is int number && mapped.Add(sp.TargetPort.ToString())) b[sp.TargetPort.ToString()] = number;
        }
        return b.ToImmutable();
    }
}
