using System.Text.Json.Nodes;

namespace Mesh.Cli.Output;

/// <summary>One table column of `mesh get`: header and how to read the cell from the resource JSON.</summary>
internal sealed record ResourceColumn(string Header, Func<JsonNode, string> Read);

/// <summary>The columns `mesh get` shows per kind (after NAMESPACE and NAME); `-o wide` adds the wide ones.</summary>
internal static class ResourceColumns
{
    public static IReadOnlyList<ResourceColumn> For(string kind, bool wide)
    {
        IReadOnlyList<ResourceColumn> columns = kind.ToLowerInvariant() switch
        {
            "service" => wide ? [.. Service, new("APP-PROTOCOLS", AppProtocols), Labels] : Service,
            "workload" => wide ? [.. Workload, new("PORTS", WorkloadPorts), new("PROXY", Proxy), new("ZONE", r => Json.Str(r["spec"]?["zone"]) ?? ""), new("WEIGHT", r => Json.Str(r["spec"]?["weight"]) ?? ""), new("LEASE", Lease), Labels] : Workload,
            "httproute" or "grpcroute" => wide ? [.. Route, new("HOSTNAMES", r => Join(Json.Items(r["spec"]?["hostnames"]).Select(Json.Str))), new("RULES", r => Json.Items(r["spec"]?["rules"]).Count().ToString()), Labels] : Route,
            _ => wide ? [Labels] : [],
        };
        return columns;
    }

    private static readonly ResourceColumn Labels = new("LABELS", r => Json.Labels(r["metadata"]?["labels"]));

    private static readonly ResourceColumn[] Service =
    [
        new("PORTS", r => Join(Json.Items(r["spec"]?["ports"]).Select(ServicePort))),
        new("SELECTOR", r => Json.Labels(r["spec"]?["selector"])),
    ];

    private static readonly ResourceColumn[] Workload =
    [
        new("ADDRESSES", r => Join(Json.Items(r["spec"]?["addresses"]).Select(Address))),
        new("SA", r => Json.Str(r["spec"]?["serviceAccount"]) ?? ""),
        new("MESHED", r => r["spec"]?["proxy"] is JsonObject ? "yes" : "no"),
        new("READY", Ready),
    ];

    private static readonly ResourceColumn[] Route =
    [
        new("PARENTS", r => Join(Json.Items(r["spec"]?["parentRefs"]).Select(Parent))),
        new("BACKENDS", r => Join(Json.Items(r["spec"]?["rules"]).SelectMany(rule => Json.Items(rule["backendRefs"])).Select(Backend))),
    ];

    /// <summary>"21s/30s" (time left of a 30 s lease) for a leased Workload (`mesh run`), "expired/30s" past its end,
    /// "-" for one that never expires (applied from YAML).</summary>
    internal static string Lease(JsonNode r) => Lease(r, DateTimeOffset.UtcNow);

    internal static string Lease(JsonNode r, DateTimeOffset now)
    {
        if (r["status"]?["lease"] is not JsonObject lease) return "-";
        var seconds = Json.Str(lease["seconds"]) ?? "?";
        if (!DateTimeOffset.TryParse(Json.Str(lease["expiresAt"]), System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var expires))
            return $"?/{seconds}s";
        var left = (expires - now).TotalSeconds;
        return left <= 0 ? $"expired/{seconds}s" : $"{Math.Ceiling(left):0}s/{seconds}s";
    }

    private static string Join(IEnumerable<string?> parts) => string.Join(",", parts.Where(p => !string.IsNullOrEmpty(p)).Distinct());

    /// <summary>"8080->7001/http": port, target port when it differs, app protocol when set.</summary>
    private static string ServicePort(JsonNode port)
    {
        var number = Json.Str(port["port"]) ?? "?";
        var target = Json.Str(port["targetPort"]);
        var text = target is null || target == number ? number : $"{number}->{target}";
        var protocol = Json.Str(port["protocol"]);
        return protocol is null || protocol.Equals("TCP", StringComparison.OrdinalIgnoreCase) ? text : $"{text}/{protocol}";
    }

    private static string AppProtocols(JsonNode r) =>
        Join(Json.Items(r["spec"]?["ports"]).Select(p => Json.Str(p["appProtocol"]) is { } a ? $"{Json.Str(p["port"])}:{a}" : null));

    /// <summary>Addresses are plain strings; an object form ({ip} / {address}) is read too.</summary>
    private static string? Address(JsonNode node) => Json.Str(node) ?? Json.Str(node["ip"]) ?? Json.Str(node["address"]);

    private static string WorkloadPorts(JsonNode r) =>
        Join(Json.Items(r["spec"]?["ports"]).Select(p => Json.Str(p["name"]) is { } n ? $"{n}:{Json.Str(p["port"])}" : Json.Str(p["port"])));

    private static string Proxy(JsonNode r) => r["spec"]?["proxy"] is JsonObject proxy
        ? Join([$"inbound:{Json.Str(proxy["inboundPort"])}", Json.Str(proxy["adminPort"]) is { } admin ? $"admin:{admin}" : null])
        : "";

    /// <summary>status.ready when the silo reports it, else spec.ready; "-" when neither says.</summary>
    private static string Ready(JsonNode r) =>
        (Json.Bool(r["status"]?["ready"]) ?? Json.Bool(r["spec"]?["ready"])) switch { true => "true", false => "false", null => "" };

    private static string? Parent(JsonNode parent)
    {
        var name = Json.Str(parent["name"]);
        if (name is null)
            return null;
        var ns = Json.Str(parent["namespace"]);
        var port = Json.Str(parent["port"]);
        return (ns is null ? name : $"{ns}/{name}") + (port is null ? "" : $":{port}");
    }

    /// <summary>"books-v2:8080=10" (weight shown when set; Gateway API's default is 1).</summary>
    private static string? Backend(JsonNode backend)
    {
        var name = Json.Str(backend["name"]);
        if (name is null)
            return null;
        var ns = Json.Str(backend["namespace"]);
        var port = Json.Str(backend["port"]);
        var weight = Json.Str(backend["weight"]);
        return (ns is null ? name : $"{ns}/{name}") + (port is null ? "" : $":{port}") + (weight is null ? "" : $"={weight}");
    }
}
