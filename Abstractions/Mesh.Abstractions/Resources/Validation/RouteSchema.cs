using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>gateway.networking.k8s.io/v1 HTTPRoute and GRPCRoute as the mesh (GAMMA) uses them, following the
/// v1.6.1 standard-channel CRDs including their CEL rules; filters the mesh cannot apply are rejected.</summary>
internal static partial class RouteSchema
{
    [GeneratedRegex("^(?i)\\.?[a-z_][a-z_0-9]*(\\.[a-z_][a-z_0-9]*)*$")] private static partial Regex GrpcServiceRegex();
    [GeneratedRegex("^[A-Za-z_][A-Za-z_0-9]*$")] private static partial Regex GrpcMethodRegex();
    [GeneratedRegex("^(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")] private static partial Regex HostnameRegex();

    private const string GammaHint = "mesh routes attach to a Service; write group: \"\" and kind: Service (the Gateway API defaults name a Gateway)";

    private static readonly ObjectShape ParentRef = Obj(
        [
            new("group", new ConstShape("", GammaHint), Required: true, RequiredHint: GammaHint),
            new("kind", new ConstShape("Service", GammaHint), Required: true, RequiredHint: GammaHint),
            Req("name", Str(Checks.Dns1035Label)),
            F("namespace", Str(Checks.Dns1123Label)),
            F("port", Port),
        ]);

    private static readonly ObjectShape Header = Obj(Req("name", Str(Checks.HeaderName)), Req("value", Str(4096)));

    private static readonly ObjectShape HeaderModifier = Obj(
        [
            F("set", List(Header, max: 16)),
            F("add", List(Header, max: 16)),
            F("remove", List(Str(Checks.HeaderName), max: 16)),
        ],
        (obj, path, ctx) =>
        {
            Unique(obj, "set", h => Text(h, "name")!.ToLowerInvariant(), path, ctx, "header");
            Unique(obj, "add", h => Text(h, "name")!.ToLowerInvariant(), path, ctx, "header");
            Unique(obj, "remove", h => h.GetValue<string>().ToLowerInvariant(), path, ctx, "header");
        });

    private static readonly ObjectShape PathModifier = Obj(
        [
            Req("type", Enum("ReplaceFullPath", "ReplacePrefixMatch")),
            F("replaceFullPath", Str(s => Checks.MaxLength(s, 1024))),
            F("replacePrefixMatch", Str(s => Checks.MaxLength(s, 1024))),
        ],
        (obj, path, ctx) =>
        {
            var type = Text(obj, "type")!;
            var member = type == "ReplaceFullPath" ? "replaceFullPath" : "replacePrefixMatch";
            var other = type == "ReplaceFullPath" ? "replacePrefixMatch" : "replaceFullPath";
            if (obj[member] is null) ctx.Error(ReadContext.Join(path, member), $"is required when type is {type}");
            if (obj[other] is not null) ctx.Error(ReadContext.Join(path, other), $"must not be set when type is {type}");
        });

    private static readonly ObjectShape Redirect = Obj(
        [
            F("scheme", Enum("http", "https")),
            F("hostname", Str(Checks.Dns1123Subdomain)),
            F("path", PathModifier),
            F("port", Port),
            Def("statusCode", Int(301, 308), JsonValue.Create(302L)),
        ],
        (obj, path, ctx) =>
        {
            if (obj["statusCode"]!.GetValue<long>() is not (301 or 302 or 303 or 307 or 308))
                ctx.Error(ReadContext.Join(path, "statusCode"), "must be one of 301, 302, 303, 307, 308");
        });

    private static readonly ObjectShape Rewrite = Obj(F("hostname", Str(Checks.Dns1123Subdomain)), F("path", PathModifier));

    private static readonly (string Type, string Member)[] FilterMembers =
    [
        ("RequestHeaderModifier", "requestHeaderModifier"), ("ResponseHeaderModifier", "responseHeaderModifier"),
        ("RequestRedirect", "requestRedirect"), ("URLRewrite", "urlRewrite"),
    ];

    /// <summary>A filter whose type is one of <paramref name="types"/> and whose only member is the one for its type.</summary>
    private static ObjectShape Filter(params string[] types) => Obj(
        [
            Req("type", new EnumShape(types)),
            .. FilterMembers.Where(m => types.Contains(m.Type)).Select(m => F(m.Member, m.Type switch
            {
                "RequestRedirect" => Redirect,
                "URLRewrite" => Rewrite,
                _ => HeaderModifier,
            })),
        ],
        (obj, path, ctx) =>
        {
            var type = Text(obj, "type")!;
            foreach (var (t, member) in FilterMembers)
            {
                if (t == type && obj[member] is null) ctx.Error(ReadContext.Join(path, member), $"is required when type is {type}");
                if (t != type && obj[member] is not null) ctx.Error(ReadContext.Join(path, member), $"must not be set when type is {type}");
            }
        });

    private static ListShape Filters(params string[] types) => new(
        Filter(types), 0, 16);

    private static void OneOfEachFilter(JsonObject obj, string field, string path, ReadContext ctx)
    {
        if (obj[field] is not JsonArray filters) return;
        Unique(obj, field, f => Text(f, "type"), path, ctx, "filter type");
        var types = filters.Select(f => Text(f, "type")).ToArray();
        if (types.Contains("RequestRedirect") && types.Contains("URLRewrite"))
            ctx.Error(ReadContext.Join(path, field), "may not contain both RequestRedirect and URLRewrite");
    }

    private static ObjectShape BackendRef(ListShape filters) => Obj(
        [
            Def("group", Str(), JsonValue.Create("")),
            Def("kind", Str(Checks.NonEmpty), JsonValue.Create("Service")),
            Req("name", Str(Checks.Dns1035Label)),
            F("namespace", Str(Checks.Dns1123Label)),
            F("port", Port),
            Def("weight", Int(0, 1_000_000), JsonValue.Create(1L)),
            F("filters", filters),
        ],
        (obj, path, ctx) =>
        {
            if (Text(obj, "group") != "" || Text(obj, "kind") != "Service")
                ctx.Error(ReadContext.Join(path, "kind"), "backends must be Services: use group \"\" and kind Service");
            OneOfEachFilter(obj, "filters", path, ctx);
        });

    private static void CheckMatchValue(JsonObject obj, string path, ReadContext ctx)
    {
        if (Text(obj, "type") == "RegularExpression" && Checks.Regex(Text(obj, "value")!) is { } problem)
            ctx.Error(ReadContext.Join(path, "value"), problem);
    }

    private static ListShape NameValues(int maxValue) => List(Obj(
        [
            Def("type", Enum("Exact", "RegularExpression"), JsonValue.Create("Exact")),
            Req("name", Str(Checks.HeaderName)),
            Req("value", Str(maxValue)),
        ], CheckMatchValue), max: 16);

    private static readonly ObjectShape PathMatch = Obj(
        [
            Def("type", Enum("Exact", "PathPrefix", "RegularExpression"), JsonValue.Create("PathPrefix")),
            Def("value", Str(s => Checks.MaxLength(s, 1024)), JsonValue.Create("/")),
        ],
        (obj, path, ctx) =>
        {
            var value = Text(obj, "value")!;
            var problem = Text(obj, "type") == "RegularExpression" ? Checks.Regex(value) : Checks.HttpPath(value);
            if (problem is not null) ctx.Error(ReadContext.Join(path, "value"), problem);
        });

    private static readonly ObjectShape HttpMatch = Obj(
        [
            Def("path", PathMatch, new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" }),
            F("headers", NameValues(4096)),
            F("queryParams", NameValues(1024)),
            F("method", Enum("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH")),
        ],
        (obj, path, ctx) =>
        {
            Unique(obj, "headers", h => Text(h, "name")!.ToLowerInvariant(), path, ctx, "header");
            Unique(obj, "queryParams", h => Text(h, "name"), path, ctx, "query parameter");
        });

    private static readonly ObjectShape Timeouts = Obj(
        [
            F("request", Str(Checks.Duration)),
            F("backendRequest", Str(Checks.Duration)),
        ],
        (obj, path, ctx) =>
        {
            if (Text(obj, "request") is not { } r || Text(obj, "backendRequest") is not { } b) return;
            var request = Duration.Parse(r);
            if (request != TimeSpan.Zero && Duration.Parse(b) > request)
                ctx.Error(ReadContext.Join(path, "backendRequest"), $"must not be longer than request ({r}); raise request or lower backendRequest");
        });

    private static readonly ObjectShape HttpRule = Obj(
        [
            F("name", Str(Checks.Dns1123Subdomain)),
            Def("matches", List(HttpMatch, max: 64), new JsonArray(new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" } })),
            F("filters", Filters("RequestHeaderModifier", "ResponseHeaderModifier", "RequestRedirect", "URLRewrite")),
            F("backendRefs", List(BackendRef(Filters("RequestHeaderModifier", "ResponseHeaderModifier")), max: 16)),
            F("timeouts", Timeouts),
        ],
        (obj, path, ctx) =>
        {
            OneOfEachFilter(obj, "filters", path, ctx);
            var filters = obj["filters"] as JsonArray ?? [];
            if (filters.Any(f => Text(f, "type") == "RequestRedirect") && obj["backendRefs"] is JsonArray { Count: > 0 })
                ctx.Error(ReadContext.Join(path, "backendRefs"), "must be empty when the rule has a RequestRedirect filter");
            var prefixRewrite = filters.Any(f => f!["requestRedirect"]?["path"]?["type"]?.GetValue<string>() == "ReplacePrefixMatch"
                || f!["urlRewrite"]?["path"]?["type"]?.GetValue<string>() == "ReplacePrefixMatch");
            var matches = (JsonArray)obj["matches"]!;
            if (prefixRewrite && (matches.Count != 1 || Text(matches[0]!["path"], "type") != "PathPrefix"))
                ctx.Error(ReadContext.Join(path, "matches"), "ReplacePrefixMatch needs exactly one match with a PathPrefix path");
        });

    private static readonly ObjectShape GrpcMethod = Obj(
        [
            Def("type", Enum("Exact", "RegularExpression"), JsonValue.Create("Exact")),
            F("service", Str(s => Checks.MaxLength(s, 1024))),
            F("method", Str(s => Checks.MaxLength(s, 1024))),
        ],
        (obj, path, ctx) =>
        {
            var service = Text(obj, "service");
            var method = Text(obj, "method");
            if (service is null && method is null) { ctx.Error(path, "needs a service, a method or both"); return; }
            var regex = Text(obj, "type") == "RegularExpression";
            if (service is not null && (regex ? Checks.Regex(service) : GrpcServiceRegex().IsMatch(service) ? null : $"\"{service}\" is not a gRPC service name such as helloworld.Greeter") is { } sp)
                ctx.Error(ReadContext.Join(path, "service"), sp);
            if (method is not null && (regex ? Checks.Regex(method) : GrpcMethodRegex().IsMatch(method) ? null : $"\"{method}\" is not a gRPC method name such as SayHello") is { } mp)
                ctx.Error(ReadContext.Join(path, "method"), mp);
        });

    private static readonly ObjectShape GrpcMatch = Obj(
        [F("method", GrpcMethod), F("headers", NameValues(4096))],
        (obj, path, ctx) => Unique(obj, "headers", h => Text(h, "name")!.ToLowerInvariant(), path, ctx, "header"));

    private static readonly ObjectShape GrpcRule = Obj(
        [
            F("name", Str(Checks.Dns1123Subdomain)),
            F("matches", List(GrpcMatch, max: 64)),
            F("filters", Filters("RequestHeaderModifier", "ResponseHeaderModifier")),
            F("backendRefs", List(BackendRef(Filters("RequestHeaderModifier", "ResponseHeaderModifier")), max: 16)),
        ],
        (obj, path, ctx) => OneOfEachFilter(obj, "filters", path, ctx));

    private static ObjectShape Spec(ObjectShape rule, JsonNode? defaultRules) => Obj(
        [
            F("hostnames", List(Str(s => s.Length <= 253 && HostnameRegex().IsMatch(s) ? null : $"\"{s}\" is not a hostname"), max: 16)),
            Req("parentRefs", List(ParentRef, min: 1, max: 32)),
            defaultRules is null ? F("rules", List(rule, max: 16)) : Def("rules", List(rule, min: 1, max: 16), defaultRules),
        ],
        (obj, path, ctx) =>
        {
            Unique(obj, "parentRefs", p => $"{Text(p, "namespace")}/{Text(p, "name")}:{p["port"]}", path, ctx, "parentRef");
            var total = (obj["rules"] as JsonArray ?? []).Sum(r => (r!["matches"] as JsonArray)?.Count ?? 0);
            if (total > 128) ctx.Error(ReadContext.Join(path, "rules"), $"have {total} matches in all; at most 128 are allowed");
        });

    public static readonly ObjectShape HttpSpec = Spec(HttpRule,
        new JsonArray(new JsonObject { ["matches"] = new JsonArray(new JsonObject { ["path"] = new JsonObject { ["type"] = "PathPrefix", ["value"] = "/" } }) }));

    public static readonly ObjectShape GrpcSpec = Spec(GrpcRule, null);
}
