using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Derives a Service's endpoints from the Workloads its selector matches, as Kubernetes derives an
/// EndpointSlice from Pods: one endpoint per workload address, ordered by workload name then address order.</summary>
internal static class EndpointDeriver
{
    public static EndpointSetView Derive(ServiceResource service, ImmutableArray<WorkloadResource> workloads, string trustDomain)
    {
        var endpoints = ImmutableArray.CreateBuilder<WorkloadEndpoint>();
        foreach (var w in workloads)
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
