using System.Text.Json.Nodes;
using Mesh.Names;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>multicluster.mesh.io/v1alpha1 kinds: Link (a remote cluster this one mirrors, with Linkerd's Link field
/// names where they exist) and FederationPeer (a remote silo identity allowed to watch this cluster's exports). Both
/// live in the control plane's namespace, <see cref="KubernetesObjects.Namespace"/>.</summary>
internal static class MulticlusterSchema
{
    private static readonly ObjectShape ProbeSpec = Obj(
        [
            Def("path", Str(Checks.HttpPath), JsonValue.Create(MulticlusterNames.DefaultProbePath)),
            Def("period", Str(Checks.Duration), JsonValue.Create("3s")),
            Def("timeout", Str(Checks.Duration), JsonValue.Create("2s")),
            Def("failureThreshold", Int(1, 100), JsonValue.Create(3L)),
        ],
        (obj, path, ctx) =>
        {
            var period = Duration.Parse(Text(obj, "period")!);
            var timeout = Duration.Parse(Text(obj, "timeout")!);
            if (period <= TimeSpan.Zero) ctx.Error(ReadContext.Join(path, "period"), "must be longer than 0s");
            if (timeout <= TimeSpan.Zero) ctx.Error(ReadContext.Join(path, "timeout"), "must be longer than 0s: a probe that may not take any time always fails");
            else if (timeout > period)
                ctx.Error(ReadContext.Join(path, "timeout"), $"must not exceed period ({Text(obj, "period")}): a probe still running when the next starts");
        });

    private static JsonObject Selects(string label, string value) => new() { ["matchLabels"] = new JsonObject { [label] = value } };

    public static readonly ObjectShape LinkSpec = Obj(
        [
            Req("targetClusterName", Str(Checks.Dns1123Label)),
            Def("targetClusterDomain", Str(Checks.Dns1123Subdomain), JsonValue.Create(NameDefaults.ClusterDomain)),
            Req("federationAddress", Str(HostPort)),
            Req("federationIdentity", Str(Identity)),
            F("gatewayAddress", Str(Host)),
            Def("gatewayPort", S.Port, JsonValue.Create((long)MulticlusterNames.DefaultGatewayPort)),
            F("gatewayIdentity", Str(Identity)),
            Def("probeSpec", ProbeSpec, new JsonObject
            {
                ["path"] = MulticlusterNames.DefaultProbePath, ["period"] = "3s", ["timeout"] = "2s", ["failureThreshold"] = 3L,
            }),
            Def("selector", CommonSchema.LabelSelector, Selects(MulticlusterNames.ExportedLabel, MulticlusterNames.ExportedGateway)),
            Def("remoteDiscoverySelector", CommonSchema.LabelSelector, Selects(MulticlusterNames.ExportedLabel, MulticlusterNames.ExportedRemoteDiscovery)),
            Def("federatedServiceSelector", CommonSchema.LabelSelector, Selects(MulticlusterNames.FederatedLabel, MulticlusterNames.FederatedMember)),
            F("excludedLabels", List(Str(Checks.QualifiedKey))),
            F("excludedAnnotations", List(Str(Checks.QualifiedKey))),
        ],
        (obj, path, ctx) =>
        {
            // Gateway mode needs all of the gateway; a flat-mode-only link names none of it.
            var hasGateway = obj["gatewayAddress"] is not null;
            if (hasGateway && obj["gatewayIdentity"] is null)
                ctx.Error(ReadContext.Join(path, "gatewayIdentity"), "is required with gatewayAddress: the SPIFFE id the remote gateway presents");
            if (!hasGateway && obj["gatewayIdentity"] is not null)
                ctx.Error(ReadContext.Join(path, "gatewayAddress"), "is required with gatewayIdentity: where the remote gateway listens");
            Unique(obj, "excludedLabels", n => n.GetValue<string>(), path, ctx, "label");
            Unique(obj, "excludedAnnotations", n => n.GetValue<string>(), path, ctx, "annotation");
        });

    /// <summary>"host:port" with a DNS name or IP host (IPv6 in brackets).</summary>
    private static string? HostPort(string s) =>
        Authority.TryParse(s, defaultPort: null, out var a, out var error) ? Host(a.Host)
            : $"\"{s}\" is not host:port ({error}); example: 10.0.0.5:{KubernetesObjects.FederationPort}";

    /// <summary>A DNS name or an IP address.</summary>
    private static string? Host(string s) =>
        Checks.IpAddress(s) is null || Checks.Dns1123Subdomain(s) is null ? null
            : $"\"{s}\" is not a host: use a DNS name such as gateway.west.example.com or an IP address";

    /// <summary>One silo or gateway identity: exactly spiffe://&lt;trust-domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt; (no "*").</summary>
    private static string? Identity(string s) => SpiffeId.TryParse(s, out _) ? null
        : $"\"{s}\" is not a mesh identity: use spiffe://<trust-domain>/ns/<ns>/sa/<sa>, e.g. spiffe://west.mesh/ns/mesh/sa/silo";

    public static readonly ObjectShape FederationPeerSpec = Obj(Req("identity", Str(Identity)));

    /// <summary>The whole document of a multicluster kind: in the control plane's namespace; a Link is named for its
    /// target cluster, so there is one Link per remote cluster.</summary>
    public static ObjectShape Document(ResourceKind kind, ObjectShape spec) => Obj(
        [
            Req("apiVersion", Enum(kind.ApiVersion)),
            Req("kind", Enum(kind.Kind)),
            Req("metadata", CommonSchema.Metadata(kind.Kind, Checks.Dns1123Label)),
            Req("spec", spec),
        ],
        (obj, path, ctx) =>
        {
            var ns = Text(obj["metadata"], "namespace");
            if (ns != KubernetesObjects.Namespace)
                ctx.Error("metadata.namespace", $"a {kind.Kind} lives in the control plane's namespace: use namespace \"{KubernetesObjects.Namespace}\", not \"{ns}\"");
            if (kind == ResourceKinds.Link && Text(obj["spec"], "targetClusterName") is { } target && target != Text(obj["metadata"], "name"))
                ctx.Error("spec.targetClusterName", $"must equal metadata.name (\"{Text(obj["metadata"], "name")}\"): one Link per remote cluster, named for it");
        });
}
