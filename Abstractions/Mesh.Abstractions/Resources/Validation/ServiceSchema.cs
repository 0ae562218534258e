using System.Text.Json.Nodes;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>v1 Service: the fields the mesh uses (selector, ports, type, clusterIP, clusterIPs).</summary>
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
            F("clusterIPs", List(Str(s => s is "None" ? null : Checks.IpAddress(s)), max: 2)),
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
            ClusterIPs(obj, path, ctx);
        });

    /// <summary>Kubernetes' rules for clusterIPs: the first is clusterIP, None stands alone, two are one of each family.</summary>
    private static void ClusterIPs(JsonObject obj, string path, ReadContext ctx)
    {
        if (obj["clusterIPs"] is not JsonArray { Count: > 0 } ips) return;
        var list = ips.Select(i => i!.GetValue<string>()).ToList();
        var listPath = ReadContext.Join(path, "clusterIPs");
        if (Text(obj, "clusterIP") is { Length: > 0 } single && single != list[0])
            ctx.Error(ReadContext.Index(listPath, 0), $"must equal clusterIP \"{single}\" (the first of clusterIPs is the clusterIP)");
        if (list.Count == 2 && list.Contains("None"))
            ctx.Error(listPath, "\"None\" (a headless Service) must be the only item");
        else if (list.Count == 2 && System.Net.IPAddress.Parse(list[0]).AddressFamily == System.Net.IPAddress.Parse(list[1]).AddressFamily)
            ctx.Error(ReadContext.Index(listPath, 1), "two cluster IPs must be one IPv4 and one IPv6 address (dual stack)");
    }
}
