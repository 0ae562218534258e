using System.Collections.Immutable;
using System.Net;
using Mesh.Abstractions.Model;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Derives a namespace's claims for discovery by address, keyed <see cref="MeshNames.AddressKey"/>: every
/// cluster IP × port of its Services (a client calling a ClusterIP gets the Service), and every (address, port) its
/// Workloads serve (a client calling a pod IP gets that pod; the Kubernetes sync writes Pods as Workloads).</summary>
internal static class AddressDeriver
{
    /// <summary>Every (address, declared port) of every Workload — its own ports and the numeric targetPorts of the
    /// Services selecting it — as the endpoint a Service would list.</summary>
    public static ImmutableDictionary<string, WorkloadEndpoint> Workloads(NamespaceResources all, string trustDomain)
    {
        var result = ImmutableDictionary.CreateBuilder<string, WorkloadEndpoint>(StringComparer.Ordinal);
        foreach (var w in all.Workloads)
        {
            var ports = WorkloadPorts.Of(w);
            var identity = WorkloadPorts.Identity(w, trustDomain);
            var served = WorkloadPorts.Declared(w, all).Values.Distinct().Order().ToList();
            foreach (var address in w.Spec.Addresses)
                foreach (var port in served)
                    // Two workloads of one namespace on one address: the first by name keeps it (deterministic).
                    result.TryAdd(Key(address, port), Endpoint(w, address, ports, identity));
        }
        return result.ToImmutable();
    }

    /// <summary>The endpoint a Workload's claim on one of its addresses names.</summary>
    public static WorkloadEndpoint Endpoint(Kinds.WorkloadResource w, string address, ImmutableDictionary<string, int> ports, string? identity) =>
        new(w.Metadata.Name, address, ports, identity, w.Spec.Proxy?.InboundPort, w.Spec.Proxy?.AdminPort, w.Spec.Zone, w.Spec.Weight,
            w.Status.Ready, w.Metadata.Labels);

    /// <summary>Every cluster IP (clusterIP and clusterIPs; none for a headless Service) × every port of every Service →
    /// the Service's name. Two Services of one namespace on one IP and port: the first by name keeps it.</summary>
    public static ImmutableDictionary<string, string> Services(NamespaceResources all)
    {
        var result = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.Ordinal);
        foreach (var s in all.Services)
        {
            var ips = s.Spec.ClusterIPs.Prepend(s.Spec.ClusterIP ?? "").Where(ip => ip is not ("" or "None")).Distinct(StringComparer.Ordinal);
            foreach (var ip in ips)
                foreach (var port in s.Spec.Ports)
                    if (port.Protocol == "TCP") result.TryAdd(Key(ip, port.Port), s.Metadata.Name);
        }
        return result.ToImmutable();
    }

    /// <summary>The key of an address as discovery spells it (IPv6 compressed): "fd00:0::1" and "fd00::1" are one address.</summary>
    public static string Key(string address, int port) =>
        MeshNames.AddressKey(IPAddress.TryParse(address, out var ip) ? ip.ToString() : address, port);
}
