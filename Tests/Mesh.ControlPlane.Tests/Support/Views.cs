using System.Collections.Immutable;
using Mesh.Abstractions.Model;

namespace Mesh.ControlPlane.Tests.Support;

/// <summary>Small builders for views, so tests state only what they vary.</summary>
internal static class Views
{
    public static ServiceView Service(string name, int port = 8080, string targetPort = "7001", string ns = "default", bool opaque = false) =>
        new(ns, name, [new ServicePortView("http", port, targetPort, null, opaque)],
            ImmutableDictionary<string, string>.Empty.Add("app", name),
            ImmutableDictionary<string, string>.Empty, ImmutableDictionary<string, string>.Empty);

    public static WorkloadEndpoint Workload(string name, string address, int port = 7001, bool meshed = true, string? portName = "http",
        ImmutableDictionary<string, string>? labels = null) =>
        new(name, address,
            portName is null ? ImmutableDictionary<string, int>.Empty : ImmutableDictionary<string, int>.Empty.Add(portName, port),
            meshed ? $"spiffe://cluster.local/ns/default/sa/{name}" : null, meshed ? 4143 : null, meshed ? 4191 : null,
            "zone-a", 1, true, labels ?? ImmutableDictionary<string, string>.Empty.Add("app", name));

    public static EndpointSetView Endpoints(string service, params WorkloadEndpoint[] endpoints) =>
        new("default", service, [.. endpoints]);
}
