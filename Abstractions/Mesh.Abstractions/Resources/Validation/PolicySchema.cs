using System.Net;
using System.Text.Json.Nodes;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>policy.mesh.io/v1alpha1 kinds, with Linkerd's field names (policy.linkerd.io Server,
/// AuthorizationPolicy, MeshTLSAuthentication, NetworkAuthentication, HTTPLocalRateLimitPolicy).</summary>
internal static class PolicySchema
{
    private const string G = CommonSchema.PolicyGroup;

    public static readonly ObjectShape ServerSpec = Obj(
        Req("podSelector", CommonSchema.LabelSelector),
        Req("port", PortOrName),
        Def("proxyProtocol", Enum("unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque", "TLS"), JsonValue.Create("unknown")),
        F("trustedGateways", List(Str(Checks.GatewayIdentity))));

    public static readonly ObjectShape AuthorizationPolicySpec = Obj(
        [
            Req("targetRef", CommonSchema.Ref((G, "Server"), ("", "Namespace"))),
            Req("requiredAuthenticationRefs", List(CommonSchema.Ref((G, "MeshTLSAuthentication"), (G, "NetworkAuthentication"), ("", "ServiceAccount")))),
        ],
        (obj, path, ctx) =>
        {
            var refs = ((JsonArray)obj["requiredAuthenticationRefs"]!).Select(r => Text(r, "kind")).ToArray();
            var at = ReadContext.Join(path, "requiredAuthenticationRefs");
            if (refs.Count(k => k == "MeshTLSAuthentication") > 1) ctx.Error(at, "may name at most one MeshTLSAuthentication");
            if (refs.Count(k => k == "NetworkAuthentication") > 1) ctx.Error(at, "may name at most one NetworkAuthentication");
            if (refs.Contains("MeshTLSAuthentication") && refs.Contains("ServiceAccount"))
                ctx.Error(at, "may not mix ServiceAccount and MeshTLSAuthentication references; list the service accounts in the MeshTLSAuthentication");
        });

    public static readonly ObjectShape MeshTlsAuthenticationSpec = Obj(
        [
            F("identities", List(Str(Checks.Identity))),
            F("identityRefs", List(CommonSchema.Ref(("", "ServiceAccount")))),
        ],
        (obj, path, ctx) =>
        {
            if ((obj["identities"] as JsonArray)?.Count is null or 0 && (obj["identityRefs"] as JsonArray)?.Count is null or 0)
                ctx.Error(path, "needs identities or identityRefs (use identities: [\"*\"] for any authenticated client)");
        });

    private static readonly ObjectShape Network = Obj(
        [Req("cidr", Str(Checks.Cidr)), F("except", List(Str(Checks.Cidr)))],
        (obj, path, ctx) =>
        {
            var cidr = Net(Text(obj, "cidr")!);
            if (obj["except"] is not JsonArray except) return;
            for (var i = 0; i < except.Count; i++)
            {
                var ex = Net(except[i]!.GetValue<string>());
                if (!cidr.Contains(ex.BaseAddress) || ex.PrefixLength < cidr.PrefixLength)
                    ctx.Error(ReadContext.Index(ReadContext.Join(path, "except"), i), $"must lie within {Text(obj, "cidr")}");
            }
        });

    public static readonly ObjectShape NetworkAuthenticationSpec = Obj(Req("networks", List(Network, min: 1)));

    private static readonly ObjectShape Limit = Obj(Req("requestsPerSecond", Int(1, 1_000_000_000)));

    public static readonly ObjectShape HttpLocalRateLimitPolicySpec = Obj(
        [
            Req("targetRef", CommonSchema.Ref((G, "Server"))),
            F("total", Limit),
            F("identity", Limit),
            F("overrides", List(Obj(
                Req("requestsPerSecond", Int(1, 1_000_000_000)),
                Req("clientRefs", List(CommonSchema.Ref(("", "ServiceAccount")), min: 1))))),
        ],
        (obj, path, ctx) =>
        {
            if (obj["total"]?["requestsPerSecond"]?.GetValue<long>() is not { } total) return;
            if (obj["identity"]?["requestsPerSecond"]?.GetValue<long>() > total)
                ctx.Error(ReadContext.Join(path, "identity.requestsPerSecond"), $"must not exceed total.requestsPerSecond ({total})");
            if (obj["overrides"] is JsonArray overrides)
                for (var i = 0; i < overrides.Count; i++)
                    if (overrides[i]!["requestsPerSecond"]!.GetValue<long>() > total)
                        ctx.Error($"{ReadContext.Index(ReadContext.Join(path, "overrides"), i)}.requestsPerSecond", $"must not exceed total.requestsPerSecond ({total})");
        });

    /// <summary>A checked CIDR or bare address (a bare address is a /32 or /128).</summary>
    public static IPNetwork Net(string s) => s.Contains('/') ? IPNetwork.Parse(s) : new IPNetwork(IPAddress.Parse(s), IPAddress.Parse(s).AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
}
