using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Derivation;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Api.V1;
using Mesh.Grains.Federation;
using Mesh.Names;

namespace Mesh.Silo.Federation;

/// <summary>What one remote export becomes here, through the link <paramref name="link"/>: a selectorless Service
/// <c>&lt;svc&gt;-&lt;cluster&gt;</c> in the same namespace with the EndpointSlice(s) that give it endpoints — the
/// remote gateway (gateway mode) or the remote pods (flat mode) — and, for a federated member, this cluster's slices of
/// <c>&lt;svc&gt;-federated</c>. The slices name their endpoints' proxy identity and port (annotations of
/// <see cref="MulticlusterNames"/>). Every document goes through the resource parser, so a peer's odd value becomes a
/// per-service error instead of a stored resource.</summary>
internal sealed class MirrorTranslator(LinkResource link)
{
    private string Cluster => link.Spec.TargetClusterName;

    public MirrorSet Translate(ExportedService service, ExportingCluster remote)
    {
        var labels = service.Labels.ToImmutableDictionary();
        var entries = ImmutableArray.CreateBuilder<MirrorEntry>();
        var selector = service.Mode switch
        {
            ExportMode.Gateway => link.Spec.Selector,
            ExportMode.RemoteDiscovery => link.Spec.RemoteDiscoverySelector,
            _ => null,
        };
        if (selector is not null && LabelSelectorMatcher.Matches(selector, labels)) entries.Add(Mirror(service, remote));
        if (service.Federated && LabelSelectorMatcher.Matches(link.Spec.FederatedServiceSelector, labels)) entries.Add(Federated(service, remote));
        return new MirrorSet(service.Namespace, service.Name, entries.ToImmutable());
    }

    private MirrorEntry Mirror(ExportedService service, ExportingCluster remote)
    {
        var name = $"{service.Name}-{Cluster}";
        if (ForeignIdentity(service, remote) is { } foreign) return MirrorEntry.Failed(name, foreign);
        if (service.Mode == ExportMode.Gateway)
        {
            var (address, port, identity) = Gateway(remote);
            if (address.Length == 0 || identity.Length == 0)
                return MirrorEntry.Failed(name, $"{service.Namespace}/{service.Name} is exported through cluster {Cluster}'s gateway, but neither the Link nor the cluster names the gateway's address and identity");
            var mirror = ServiceDocument(service, name, remote, gatewayPort: port, federated: false);
            var parsed = Parse(name, service.Namespace, [mirror, GatewaySlice(service, name, address, port, identity, remote, ready: true)], shared: false);
            if (parsed.Error is not null || service.ReadyEndpoints == 0) return parsed;
            // What is written while the gateway probe says dead: the same mirror, its gateway endpoint not ready.
            var down = Parse(name, service.Namespace, [mirror, GatewaySlice(service, name, address, port, identity, remote, ready: false)], shared: false);
            return parsed with { GatewayDown = down.Resources };
        }
        List<JsonObject> documents = [ServiceDocument(service, name, remote, gatewayPort: null, federated: false), .. FlatSlices(service, name, name)];
        return Parse(name, service.Namespace, documents, shared: false);
    }

    /// <summary>This link's share of <c>&lt;svc&gt;-federated</c>: the member's pods as slices named for this cluster,
    /// and the Service itself (written by whichever link gets there first; see MirrorWriter).</summary>
    private MirrorEntry Federated(ExportedService service, ExportingCluster remote)
    {
        var name = service.Name + MulticlusterNames.FederatedSuffix;
        if (ForeignIdentity(service, remote) is { } foreign) return MirrorEntry.Failed(name, foreign);
        var documents = new List<JsonObject> { ServiceDocument(service, name, remote: null, gatewayPort: null, federated: true) };
        documents.AddRange(FlatSlices(service, $"{name}-{Cluster}", name));
        return Parse(name, service.Namespace, documents, shared: true);
    }

    /// <summary>A linked cluster speaks only for its own identities: an endpoint claiming one of another trust domain
    /// (this cluster's, say) makes the whole service an error rather than a mirror that trusts it.</summary>
    private string? ForeignIdentity(ExportedService service, ExportingCluster remote)
    {
        foreach (var e in service.Endpoints)
            if (e.Identity.Length > 0 && (!SpiffeId.TryParse(e.Identity, out var id) || id.TrustDomain != remote.TrustDomain))
                return $"cluster {Cluster} (trust domain {remote.TrustDomain}) sent endpoint {e.Address} of {service.Namespace}/{service.Name} with identity '{e.Identity}', which is not one of its own; nothing of it is mirrored";
        return null;
    }

    private MirrorEntry Parse(string name, string ns, List<JsonObject> documents, bool shared)
    {
        var resources = ImmutableArray.CreateBuilder<StoredResource>();
        foreach (var document in documents)
        {
            var parsed = ResourceParser.Parse(document.ToJsonString(), ns);
            if (!parsed.Ok)
                return MirrorEntry.Failed(name, $"cluster {Cluster}'s export cannot be mirrored: " + string.Join("; ", parsed.Errors.Select(e => $"{e.Path}: {e.Message}")));
            var r = parsed.Resources.Single();
            resources.Add(new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0) { Source = ResourceSources.Link(Cluster) });
        }
        return new MirrorEntry(name, resources.ToImmutable(), null, shared);
    }

    /// <summary>Where gateway-mode mirrors of <paramref name="remote"/> send traffic (what the link's probe checks);
    /// null when neither the Link nor the cluster names both an address and an identity.</summary>
    public GatewayTarget? GatewayOf(ExportingCluster remote) =>
        Gateway(remote) is var (address, port, identity) && address.Length > 0 && identity.Length > 0 ? new GatewayTarget(address, port, identity) : null;

    /// <summary>The Link's gateway when it names one, else the one the remote cluster advertises.</summary>
    private (string Address, int Port, string Identity) Gateway(ExportingCluster remote) =>
        !string.IsNullOrEmpty(link.Spec.GatewayAddress)
            ? (link.Spec.GatewayAddress, link.Spec.GatewayPort, link.Spec.GatewayIdentity ?? "")
            : (remote.Gateway?.Address ?? "", (int)(remote.Gateway?.Port ?? 0) is > 0 and var p ? p : link.Spec.GatewayPort, remote.Gateway?.Identity ?? "");

    private string RemoteFqdn(ExportedService service, ExportingCluster remote)
    {
        var domain = string.IsNullOrEmpty(remote.ClusterDomain) ? link.Spec.TargetClusterDomain : remote.ClusterDomain;
        return $"{service.Name}.{service.Namespace}.svc.{domain}";
    }

    private JsonObject ServiceDocument(ExportedService service, string name, ExportingCluster? remote, int? gatewayPort, bool federated)
    {
        var labels = new JsonObject();
        foreach (var (key, value) in service.Labels.OrderBy(p => p.Key, StringComparer.Ordinal))
            // The export labels stay on the remote side: a mirror is never exported again (no loops between clusters).
            if (key is not MulticlusterNames.ExportedLabel and not MulticlusterNames.FederatedLabel && !link.Spec.ExcludedLabels.Contains(key))
                labels[key] = value;
        if (federated) labels[MulticlusterNames.FederatedServiceLabel] = service.Name;
        else labels[MulticlusterNames.ClusterLabel] = Cluster;
        var annotations = new JsonObject();
        foreach (var (key, value) in service.Annotations.OrderBy(p => p.Key, StringComparer.Ordinal))
            if (!link.Spec.ExcludedAnnotations.Contains(key)) annotations[key] = value;
        if (remote is not null) annotations[MulticlusterNames.RemoteFqdnAnnotation] = RemoteFqdn(service, remote);
        var ports = new JsonArray([.. service.Ports.Select(p => (JsonNode)Port(p.Name, (int)p.Port,
            gatewayPort is int g ? g.ToString(CultureInfo.InvariantCulture) : p.TargetPort, p.AppProtocol))]);
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

    /// <summary>One endpoint, the gateway, on every port, presenting the gateway's identity and naming the remote
    /// Service as the authority; none when the remote Service has no ready endpoint (emptiness propagates: callers
    /// fail over instead of sending into an empty remote). Not <paramref name="ready"/>: kept, marked not ready.</summary>
    private JsonObject GatewaySlice(ExportedService service, string name, string address, int port, string identity, ExportingCluster remote, bool ready)
    {
        var endpoint = new JsonObject { ["addresses"] = new JsonArray(address) };
        if (!ready) endpoint["conditions"] = new JsonObject { ["ready"] = false };
        List<JsonObject> endpoints = service.ReadyEndpoints == 0 ? [] : [endpoint];
        var annotations = new JsonObject
        {
            [MulticlusterNames.SliceIdentityAnnotation] = identity,
            [MulticlusterNames.SliceProxyPortAnnotation] = port.ToString(CultureInfo.InvariantCulture),
            [MulticlusterNames.SliceAuthorityAnnotation] = RemoteFqdn(service, remote),
        };
        return Slice(name, name, AddressType(address), endpoints, service.Ports.Select(p => (p.Name, port, p.AppProtocol)), annotations);
    }

    /// <summary>The remote pods themselves. A slice's ports and annotations hold for all of its endpoints, so endpoints
    /// go in one slice per (resolved target ports, identity, proxy port). No endpoints: one empty slice, so the mirror
    /// has none (rather than falling back to a selector it does not have).</summary>
    private IEnumerable<JsonObject> FlatSlices(ExportedService service, string sliceName, string serviceName)
    {
        var groups = service.Endpoints
            .Select(e => (Endpoint: e, Ports: service.Ports.Select(p => (p.Name, Port: Resolve(p, e), p.AppProtocol)).ToArray()))
            .Where(x => x.Ports.All(p => p.Port > 0))
            .GroupBy(x => $"{string.Join(",", x.Ports.Select(p => $"{p.Name}={p.Port}"))}|{x.Endpoint.Identity}|{x.Endpoint.ProxyPort}|{AddressType(x.Endpoint.Address)}", StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToList();
        if (groups.Count == 0)
        {
            yield return Slice(sliceName, serviceName, "IPv4", [], service.Ports.Select(p => (p.Name, 0, p.AppProtocol)), new JsonObject());
            yield break;
        }
        for (var i = 0; i < groups.Count; i++)
        {
            var endpoints = groups[i].OrderBy(x => x.Endpoint.Address, StringComparer.Ordinal).Select(x =>
            {
                var e = new JsonObject
                {
                    ["addresses"] = new JsonArray(x.Endpoint.Address),
                    ["conditions"] = new JsonObject { ["ready"] = x.Endpoint.Ready },
                };
                if (DnsLabel.IsValid(x.Endpoint.Workload)) e["hostname"] = x.Endpoint.Workload;
                if (!string.IsNullOrEmpty(x.Endpoint.Zone)) e["zone"] = x.Endpoint.Zone;
                return e;
            }).ToList();
            var first = groups[i].First();
            var annotations = new JsonObject();
            if (first.Endpoint.Identity.Length > 0 && first.Endpoint.ProxyPort > 0)
            {
                annotations[MulticlusterNames.SliceIdentityAnnotation] = first.Endpoint.Identity;
                annotations[MulticlusterNames.SliceProxyPortAnnotation] = first.Endpoint.ProxyPort.ToString(CultureInfo.InvariantCulture);
            }
            yield return Slice(i == 0 ? sliceName : $"{sliceName}-{i}", serviceName, AddressType(first.Endpoint.Address), endpoints,
                first.Ports.Select(p => (p.Name, p.Port, p.AppProtocol)), annotations);
        }
    }

    private static int Resolve(ExportedPort port, ExportedEndpoint endpoint) =>
        int.TryParse(port.TargetPort, out var n) ? n
        : endpoint.Ports.TryGetValue(string.IsNullOrEmpty(port.TargetPort) ? port.Port.ToString(CultureInfo.InvariantCulture) : port.TargetPort, out var p) ? (int)p : 0;

    private JsonObject Slice(string sliceName, string serviceName, string addressType, List<JsonObject> endpoints,
        IEnumerable<(string Name, int Port, string AppProtocol)> ports, JsonObject annotations)
    {
        var portArray = new JsonArray();
        foreach (var (portName, port, appProtocol) in ports)
        {
            var p = new JsonObject { ["name"] = portName, ["protocol"] = "TCP" };
            if (port > 0) p["port"] = port;
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
                ["labels"] = new JsonObject { [KubernetesObjects.ServiceNameLabel] = serviceName, [MulticlusterNames.ClusterLabel] = Cluster },
                ["annotations"] = annotations,
            },
            ["addressType"] = addressType,
            ["endpoints"] = new JsonArray([.. endpoints]),
            ["ports"] = portArray,
        };
    }

    private static string AddressType(string address) =>
        IPAddress.TryParse(address, out var ip) ? ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4" : "FQDN";
}
