using System.Collections.Immutable;

namespace Mesh.Abstractions.Model;

/// <summary>Who serves one address and port ("10.0.0.5:8080"), for discovery by address (a client calling a pod IP, or
/// its own, or a Service's ClusterIP): the workload each namespace's Workloads place there, and the Service each
/// namespace's cluster IPs name. One claim is the normal case; several
/// mean a misconfiguration, and the first namespace in ordinal order wins.</summary>
[GenerateSerializer, Immutable, Alias("mesh.AddressView")]
public sealed record AddressView(
    [property: Id(0)] string Address,
    [property: Id(1)] int Port,
    /// <summary>Namespace → the workload there (its endpoint, as a Service's endpoint set would list it).</summary>
    [property: Id(2)] ImmutableDictionary<string, WorkloadEndpoint> Claims)
{
    /// <summary>Namespace → the Service whose cluster IP and port this is (a ClusterIP:port).</summary>
    [Id(3)] public ImmutableDictionary<string, string> Services { get; init; } = ImmutableDictionary<string, string>.Empty;

    public static AddressView Empty(string address, int port) => new(address, port, ImmutableDictionary<string, WorkloadEndpoint>.Empty);

    /// <summary>The workload claim in force: the first namespace in ordinal order.</summary>
    public (string Namespace, WorkloadEndpoint Endpoint)? Winner =>
        Claims.IsEmpty ? null : Claims.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value)).First();

    /// <summary>The Service claim in force (the first namespace in ordinal order). It wins over a workload claim, as
    /// Linkerd's destination looks an IP up as a ClusterIP before a pod IP.</summary>
    public (string Namespace, string Name)? Service =>
        Services.IsEmpty ? null : Services.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => (c.Key, c.Value)).First();
}
