using System.Text.Json.Nodes;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>mesh.io/v1alpha1 Workload: addresses, named ports, optional proxy, zone, weight; status.ready.</summary>
internal static class WorkloadSchema
{
    private static readonly ObjectShape Proxy = Obj(
        [
            Def("inboundPort", S.Port, JsonValue.Create(4143L)),
            Def("adminPort", S.Port, JsonValue.Create(4191L)),
        ],
        (obj, path, ctx) =>
        {
            if (obj["inboundPort"]!.GetValue<long>() == obj["adminPort"]!.GetValue<long>())
                ctx.Error(ReadContext.Join(path, "adminPort"), "must differ from inboundPort");
        });

    public static readonly ObjectShape Spec = Obj(
        [
            Def("serviceAccount", Str(Checks.Dns1123Subdomain), JsonValue.Create("default")),
            Req("addresses", List(Str(Checks.IpAddress), min: 1)),
            F("ports", List(Obj(F("name", Str(Checks.PortName)), Req("port", S.Port)))),
            F("proxy", Proxy),
            F("zone", Str(63)),
            Def("weight", Int(1, 1_000_000), JsonValue.Create(1L)),
        ],
        (obj, path, ctx) =>
        {
            Unique(obj, "addresses", a => a.GetValue<string>(), path, ctx, "address");
            Unique(obj, "ports", p => Text(p, "name"), path, ctx, "port name");
            Unique(obj, "ports", p => p["port"]!.ToJsonString(), path, ctx, "port");
            if (obj["proxy"] is not JsonObject proxy || obj["ports"] is not JsonArray ports) return;
            foreach (var which in new[] { "inboundPort", "adminPort" })
            {
                var port = proxy[which]!.GetValue<long>();
                var clash = ports.Select((p, i) => (p, i)).FirstOrDefault(x => x.p!["port"]!.GetValue<long>() == port);
                if (clash.p is not null)
                    ctx.Error(ReadContext.Join(ReadContext.Join(path, "proxy"), which),
                        $"{port} is also the application port spec.ports[{clash.i}]; pick another proxy port");
            }
        });

    public static readonly ObjectShape Status = Obj(Def("ready", Bool, JsonValue.Create(true)));
}
