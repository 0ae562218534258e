using System.Collections.Immutable;
using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Derives the workload addresses of a namespace for discovery by address: every (address, declared port) of
/// every Workload, keyed <see cref="MeshNames.AddressKey"/>, as the endpoint a Service would list. The Kubernetes sync
/// writes Pods as Workloads, so pod IPs resolve the same way.</summary>
internal static class AddressDeriver
{
    public static ImmutableDictionary<string, WorkloadEndpoint> Derive(NamespaceResources all, string trustDomain)
    {
        var result = ImmutableDictionary.CreateBuilder<string, WorkloadEndpoint>(StringComparer.Ordinal);
        foreach (var w in all.Workloads)
        {
            var ports = WorkloadPorts.Of(w);
            var identity = WorkloadPorts.Identity(w, trustDomain);
            foreach (var address in w.Spec.Addresses)
                foreach (var port in w.Spec.Ports.Select(p => p.Port).Distinct())
                    // Two workloads of one namespace on one address: the first by name keeps it (deterministic).
                    result.TryAdd(MeshNames.AddressKey(address, port), new WorkloadEndpoint(w.Metadata.Name, address, ports, identity,
                        w.Spec.Proxy?.InboundPort, w.Spec.Proxy?.AdminPort, w.Spec.Zone, w.Spec.Weight, w.Status.Ready, w.Metadata.Labels));
        }
        return result.ToImmutable();
    }
}
