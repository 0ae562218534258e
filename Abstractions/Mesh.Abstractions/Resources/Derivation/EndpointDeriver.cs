using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Derives a Service's endpoints from the Workloads its selector matches, as Kubernetes derives an
/// EndpointSlice from Pods: one endpoint per workload address, ordered by workload name then address order.</summary>
internal static class EndpointDeriver
{
    public static EndpointSetView Derive(ServiceResource service, NamespaceResources all, string trustDomain)
    {
        var endpoints = ImmutableArray.CreateBuilder<WorkloadEndpoint>();
        // Only workloads carrying the selector's rarest pair can match; the lookup keeps name order.
        var candidates = service.Spec.Selector.IsEmpty ? []
            : service.Spec.Selector.Select(p => all.WorkloadsByLabel[(p.Key, p.Value)]).MinBy(c => c.Count())!;
        foreach (var w in candidates)
        {
            if (!LabelSelectorMatcher.MatchesServiceSelector(service.Spec.Selector, w.Metadata.Labels)) continue;
            var ports = WorkloadPorts.Of(w);
            var identity = WorkloadPorts.Identity(w, trustDomain);
            foreach (var address in w.Spec.Addresses)
                endpoints.Add(new WorkloadEndpoint(w.Metadata.Name, address, ports, identity,
                    w.Spec.Proxy?.InboundPort, w.Spec.Proxy?.AdminPort, w.Spec.Zone, w.Spec.Weight, w.Status.Ready,
                    w.Metadata.Labels));
        }
        return new EndpointSetView(service.Metadata.Namespace, service.Metadata.Name, endpoints.ToImmutable());
    }
}
