using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace Mesh.Abstractions.Model;

/// <summary>The workloads a Service's selector matches, as Kubernetes derives an EndpointSlice from Pods.
/// Ports stay per workload (name → number) so one set serves every port of the Service.</summary>
[GenerateSerializer, Immutable, Alias("mesh.EndpointSetView")]
public sealed record EndpointSetView(
    [property: Id(0)] string Namespace,
    [property: Id(1)] string Service,
    [property: Id(2)] ImmutableArray<WorkloadEndpoint> Endpoints)
{
    public static EndpointSetView Empty(string ns, string service) => new(ns, service, ImmutableArray<WorkloadEndpoint>.Empty);
}

/// <summary>One workload behind a Service.</summary>
[GenerateSerializer, Immutable, Alias("mesh.WorkloadEndpoint")]
public sealed record WorkloadEndpoint(
    [property: Id(0)] string Workload,
    [property: Id(1)] string Address,
    [property: Id(2)] ImmutableDictionary<string, int> Ports,
    /// <summary>SPIFFE id of the workload's proxy, or null when unmeshed.</summary>
    [property: Id(3)] string? Identity,
    /// <summary>The proxy's inbound port when meshed.</summary>
    [property: Id(4)] int? ProxyInboundPort,
    [property: Id(5)] int? ProxyAdminPort,
    [property: Id(6)] string? Zone,
    [property: Id(7)] int Weight,
    [property: Id(8)] bool Ready,
    [property: Id(9)] ImmutableDictionary<string, string> Labels,
    /// <summary>Set for a multicluster gateway endpoint: the host to send it instead of the one the client asked for.
    /// Left out of JSON when unset, so every other endpoint reads as before.</summary>
    [property: Id(10), System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    string? AuthorityOverride = null)
{
    /// <summary>The linked cluster this endpoint lives in (a mirrored or federated member's endpoint); null: this
    /// cluster. Proxies keep to local endpoints first when the Service prefers local. Left out of JSON when null, so
    /// local views read and print as they did before the field existed.</summary>
    [Id(11), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Cluster { get; init; }
}
