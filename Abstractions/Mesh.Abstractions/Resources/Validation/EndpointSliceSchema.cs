using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Mesh.Names;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>discovery.k8s.io/v1 EndpointSlice, the fields the mesh uses: addressType, endpoints (addresses, conditions,
/// hostname, targetRef, nodeName, zone) and ports (name, port, protocol, appProtocol), with Kubernetes' limits.</summary>
internal static class EndpointSliceSchema
{
    private static readonly ObjectShape Conditions = Obj(F("ready", Bool), F("serving", Bool), F("terminating", Bool));

    private static readonly ObjectShape TargetRef = Obj(
        Req("kind", Str(Checks.NonEmpty)),
        Req("name", Str(Checks.Dns1123Subdomain)),
        F("namespace", Str(Checks.Dns1123Label)));

    private static readonly ObjectShape Endpoint = Obj(
        Req("addresses", List(Str(), min: 1, max: 100)),
        Def("conditions", Conditions, new JsonObject()),
        F("hostname", Str(Checks.Dns1123Label)),
        F("targetRef", TargetRef),
        F("nodeName", Str(Checks.Dns1123Subdomain)),
        F("zone", Str(63)));

    private static readonly ObjectShape Port = Obj(
        Def("name", Str(s => s.Length == 0 ? null : Checks.PortName(s)), JsonValue.Create("")),
        F("port", S.Port),
        Def("protocol", Enum("TCP", "UDP", "SCTP"), JsonValue.Create("TCP")),
        F("appProtocol", Str(253)));

    public static readonly ObjectShape Document = Obj(
        [
            Req("apiVersion", Enum(KubernetesObjects.EndpointSliceApiVersion)),
            Req("kind", Enum(KubernetesObjects.EndpointSliceKind)),
            Req("metadata", CommonSchema.Metadata(KubernetesObjects.EndpointSliceKind, Checks.Dns1123Subdomain)),
            Req("addressType", Enum("IPv4", "IPv6", "FQDN")),
            Def("endpoints", List(Endpoint, max: 1000), new JsonArray()),
            Def("ports", List(Port, max: 100), new JsonArray()),
        ],
        (obj, path, ctx) =>
        {
            var type = Text(obj, "addressType")!;
            var endpoints = (JsonArray)obj["endpoints"]!;
            for (var i = 0; i < endpoints.Count; i++)
            {
                var addresses = (JsonArray)endpoints[i]!["addresses"]!;
                for (var j = 0; j < addresses.Count; j++)
                    if (Address(type, addresses[j]!.GetValue<string>()) is { } problem)
                        ctx.Error(ReadContext.Index(ReadContext.Join(ReadContext.Index(ReadContext.Join(path, "endpoints"), i), "addresses"), j), problem);
            }
            Unique(obj, "ports", p => Text(p, "name"), path, ctx, "port name");
        });

    /// <summary>An address of the slice's addressType: an IPv4 or IPv6 address, or a DNS name for FQDN.</summary>
    private static string? Address(string type, string s)
    {
        if (type == "FQDN") return Checks.Dns1123Subdomain(s);
        if (Checks.IpAddress(s) is { } problem) return problem;
        var family = IPAddress.Parse(s).AddressFamily == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
        return family == type ? null : $"\"{s}\" is an {family} address; this slice's addressType is {type}";
    }
}
