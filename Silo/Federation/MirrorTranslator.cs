using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Derivation;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Api.V1;
using Mesh.Names;

namespace Mesh.Silo.Federation;

/// <summary>What one remote export becomes here, through the link <see cref="link"/>: a selectorless Service
/// <c>&lt;svc&gt;-&lt;cluster&gt;</c> in the same namespace and the EndpointSlice(s) that give it endpoints — the
/// remote gateway (gateway mode) or the remote pods (flat mode). Every document goes through the resource parser, so a
/// peer's odd value becomes a per-service error instead of a stored resource.</summary>
internal sealed class MirrorTranslator(LinkResource link)
{
    /// <summary>On every mirror: which link made it (for people and `mesh get`; ownership is the catalog's source).</summary>
    public const string ClusterLabel = "mirror.mesh.io/cluster-name";
    /// <summary>On every mirror Service: the remote Service's FQDN, the authority requests to it carry.</summary>
    public const string RemoteFqdnAnnotation = "mirror.mesh.io/remote-svc-fq-name";

    private string Cluster => link.Spec.TargetClusterName;

    public string MirrorName(ExportedService service) => $"{service.Name}-{Cluster}";

    /// <summary>Null when the link does not mirror <paramref name="service"/> (its mode is none, or the link's selector
    /// for the mode leaves it out).</summary>
    public Mirror? Translate(ExportedService service, ExportingCluster remote)
    {
        var labels = service.Labels.ToImmutableDictionary();
        var selector = service.Mode switch
        {
            ExportMode.Gateway => link.Spec.Selector,
            ExportMode.RemoteDiscovery => link.Spec.RemoteDiscoverySelector,
            _ => null,
        };
        if (selector is null || !LabelSelectorMatcher.Matches(selector, labels)) return null;
        var name = MirrorName(service);
        if (service.Mode == ExportMode.Gateway && string.IsNullOrEmpty(GatewayAddress(remote)))
            return Mirror.Failed(service, name, $"cluster {Cluster} exports {service.Namespace}/{service.Name} through its gateway, but neither its snapshot nor the Link names a gateway address");
        var documents = new List<JsonObject> { ServiceDocument(service, name, remote) };
        documents.AddRange(service.Mode == ExportMode.Gateway ? [GatewaySlice(service, name, remote)] : FlatSlices(service, name));

        var resources = new List<StoredResource>();
        foreach (var document in documents)
        {
            var parsed = ResourceParser.Parse(document.ToJsonString(), service.Namespace);
            if (!parsed.Ok)
                return Mirror.Failed(service, name, string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));
            var r = parsed.Resources.Single();
            resources.Add(new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0) { Source = ResourceSources.Link(Cluster) });
        }
        return new Mirror(service.Namespace, name, service.Name, [.. resources], null);
    }

    private string GatewayAddress(ExportingCluster remote) =>
        !string.IsNullOrEmpty(link.Spec.GatewayAddress) ? link.Spec.GatewayAddress : remote.Gateway?.Address ?? "";

    private int GatewayPort(ExportingCluster remote) =>
        !string.IsNullOrEmpty(link.Spec.GatewayAddress) ? link.Spec.GatewayPort : (int)(remote.Gateway?.Port ?? (uint)link.Spec.GatewayPort);

    private JsonObject ServiceDocument(ExportedService service, string name, ExportingCluster remote)
    {
        var labels = new JsonObject();
        foreach (var (key, value) in service.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            // The export labels stay on the remote side: a mirror is never exported again (no loops between clusters).
            if (key is not MulticlusterNames.ExportedLabel and not MulticlusterNames.FederatedLabel && !link.Spec.ExcludedLabels.Contains(key))
                labels[key] = value;
        labels[ClusterLabel] = Cluster;
        var annotations = new JsonObject();
        foreach (var (key, value) in service.Annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (!link.Spec.ExcludedAnnotations.Contains(key)) annotations[key] = value;
        var domain = string.IsNullOrEmpty(remote.ClusterDomain) ? link.Spec.TargetClusterDomain : remote.ClusterDomain;
        annotations[RemoteFqdnAnnotation] = $"{service.Name}.{service.Namespace}.svc.{domain}";
        var gatewayPort = GatewayPort(remote);
        var ports = new JsonArray([.. service.Ports.Select(p => (JsonNode)Port(p.Name, (int)p.Port,
            service.Mode == ExportMode.Gateway ? gatewayPort.ToString() : p.TargetPort, p.AppProtocol))]);
        return new JsonObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Service",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = service.Namespace, ["labels"] = labels, ["annotations"] = annotations },
            ["spec"] = new JsonObject { ["ports"] = ports },
        };
    }

    private static JsonObject Port(string name, int port, string targetPort, string appProtocol)
    {
        var result = new JsonObject { ["port"] = port };
        if (!string.IsNullOrEmpty(name)) result["name"] = name;
        if (!string.IsNullOrEmpty(targetPort)) result["targetPort"] = int.TryParse(targetPort, out var n) ? n : targetPort;
        if (!string.IsNullOrEmpty(appProtocol)) result["appProtocol"] = appProtocol;
        return result;
    }

    /// <summary>One endpoint, the gateway, on every port; not ready when the remote Service has no ready endpoint
    /// (emptiness propagates: callers fail over instead of sending into an empty remote).</summary>
    private JsonObject GatewaySlice(ExportedService service, string name, ExportingCluster remote)
    {
        var address = GatewayAddress(remote);
        var endpoint = new JsonObject
        {
            ["addresses"] = new JsonArray(address),
            ["conditions"] = new JsonObject { ["ready"] = service.ReadyEndpoints > 0 },
        };
        var port = GatewayPort(remote);
        return Slice(name, name, AddressType(address), [endpoint], service.Ports.Select(p => (p.Name, port, p.AppProtocol)));
    }

    /// <summary>The remote pods themselves; endpoints whose target ports resolve differently go in separate slices
    /// (a slice's ports hold for all of its endpoints).</summary>
    private IEnumerable<JsonObject> FlatSlices(ExportedService service, string name)
    {
        var groups = service.Endpoints
            .Select(e => (Endpoint: e, Ports: service.Ports.Select(p => (p.Name, Port: Resolve(p, e), p.AppProtocol)).ToArray()))
            .Where(x => x.Ports.All(p => p.Port > 0))
            .GroupBy(x => string.Join(",", x.Ports.Select(p => $"{p.Name}={p.Port}")), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        if (groups.Count == 0)
        {
            yield return Slice(name, name, "IPv4", [], []);
            yield break;
        }
        for (var i = 0; i < groups.Count; i++)
        {
            var endpoints = groups[i].Select(x => new JsonObject
            {
                ["addresses"] = new JsonArray(x.Endpoint.Address),
                ["conditions"] = new JsonObject { ["ready"] = x.Endpoint.Ready },
            }).ToList();
            var type = AddressType(groups[i].First().Endpoint.Address);
            yield return Slice(i == 0 ? name : $"{name}-{i}", name, type, endpoints, groups[i].First().Ports.Select(p => (p.Name, p.Port, p.AppProtocol)));
        }
    }

    private static int Resolve(ExportedPort port, ExportedEndpoint endpoint) =>
        int.TryParse(port.TargetPort, out var n) ? n
        : endpoint.Ports.TryGetValue(string.IsNullOrEmpty(port.TargetPort) ? port.Port.ToString() : port.TargetPort, out var p) ? (int)p : 0;

    private JsonObject Slice(string sliceName, string serviceName, string addressType, List<JsonObject> endpoints, IEnumerable<(string Name, int Port, string AppProtocol)> ports)
    {
        var portArray = new JsonArray();
        foreach (var (portName, port, appProtocol) in ports)
        {
            var p = new JsonObject { ["name"] = portName, ["port"] = port, ["protocol"] = "TCP" };
            if (!string.IsNullOrEmpty(appProtocol)) p["appProtocol"] = appProtocol;
            portArray.Add(p);
        }
        return new JsonObject
        {
            ["apiVersion"] = "discovery.k8s.io/v1",
            ["kind"] = "EndpointSlice",
            ["metadata"] = new JsonObject
            {
                ["name"] = sliceName,
                ["labels"] = new JsonObject { [KubernetesObjects.ServiceNameLabel] = serviceName, [ClusterLabel] = Cluster },
            },
            ["addressType"] = addressType,
            ["endpoints"] = new JsonArray([.. endpoints]),
            ["ports"] = portArray,
        };
    }

    private static string AddressType(string address) =>
        IPAddress.TryParse(address, out var ip) ? ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4" : "FQDN";
}

/// <summary>One mirrored Service: its resources, or why it could not be mirrored (then <see cref="Resources"/> is empty).</summary>
internal sealed record Mirror(string Namespace, string Name, string RemoteName, ImmutableArray<StoredResource> Resources, string? Error)
{
    public static Mirror Failed(ExportedService service, string name, string error) => new(service.Namespace, name, service.Name, [], error);
}
