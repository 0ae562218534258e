using System.Text.Json.Nodes;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>v1 Service: the fields the mesh uses (selector, ports, type, clusterIP).</summary>
internal static class ServiceSchema
{
    private static readonly ObjectShape Port = Obj(
        [
            F("name", Str(Checks.PortName)),
            Req("port", S.Port),
            Def("targetPort", PortOrName, (_, v) => v.TryGetValue("port", out var p) ? p.DeepClone() : null),
            Def("protocol", Enum("TCP", "UDP", "SCTP"), JsonValue.Create("TCP")),
            F("appProtocol", Str(253)),
        ]);

    public static readonly ObjectShape Spec = Obj(
        [
            F("selector", Labels),
            Req("ports", List(Port, min: 1)),
            Def("type", Enum("ClusterIP", "NodePort", "LoadBalancer"), JsonValue.Create("ClusterIP")),
            F("clusterIP", Str(s => s is "" or "None" ? null : Checks.IpAddress(s))),
        ],
        (obj, path, ctx) =>
        {
            var ports = (JsonArray)obj["ports"]!;
            if (ports.Count > 1)
                for (var i = 0; i < ports.Count; i++)
                    if (Text(ports[i], "name") is null)
                        ctx.Error(ReadContext.Join(ReadContext.Index(ReadContext.Join(path, "ports"), i), "name"),
                            "is required when a Service has more than one port");
            Unique(obj, "ports", p => Text(p, "name"), path, ctx, "port name");
            Unique(obj, "ports", p => $"{p["port"]}/{Text(p, "protocol")}", path, ctx, "port");
        });
}
