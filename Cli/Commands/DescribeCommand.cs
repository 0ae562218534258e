using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh describe service NAME`: the Service's spec with what the control plane derived from it —
/// endpoints, compiled routes with backend weights, and the version of each.</summary>
internal static class DescribeCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("describe", "Show a resource with everything the control plane derived from it");
        command.Subcommands.Add(CreateService(context));
        return command;
    }

    private static Command CreateService(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Service name" }.RejectingOptionLikeValues();
        var ns = CommonOptions.Namespace();
        var output = OutputFormat.CreateOption("text", OutputFormat.Json, OutputFormat.Yaml);
        var command = new Command("service", "Spec, endpoints, routes and versions of a Service") { name, ns, output };
        command.Aliases.Add("svc");
        command.Aliases.Add("services");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(
            context, parse.GetValue(name)!, parse.GetValue(ns) ?? CommonOptions.DefaultNamespace, parse.GetValue(output)!, ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string name, string ns, string output, CancellationToken ct)
    {
        using var admin = AdminClient.Create(context);
        JsonNode? answer;
        try
        {
            answer = await admin.DescribeServiceAsync(ns, name, ct);
        }
        catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound)
        {
            throw new CliException($"service/{name} not found in namespace {ns}", hint: "list services with: mesh get services -A");
        }

        var console = context.Console;
        if (output == OutputFormat.Json)
            console.Out.WriteLine(Json.Write(answer));
        else if (output == OutputFormat.Yaml)
            console.Out.Write(YamlRenderer.Render(answer));
        else
            Write(console, name, ns, answer);
        return ExitCodes.Ok;
    }

    private static void Write(IConsoleOutput console, string name, string ns, JsonNode? answer)
    {
        var resource = answer?["resource"];
        var spec = resource?["spec"];
        var ports = Json.Items(spec?["ports"]).ToList();
        var endpoints = Json.Items(answer?["endpoints"]?["value"]?["endpoints"]).ToList();
        var profile = answer?["profile"]?["value"];
        var routes = Json.Items(profile?["routes"]).ToList();
        var consumers = Json.Items(answer?["consumerRoutes"]).ToList();
        var output = console.Out;

        Field(output, "Name", name);
        Field(output, "Namespace", ns);
        Field(output, "Authority", Mesh.Names.ServiceName.FormatFqdn(name, ns));
        Field(output, "Labels", Json.Labels(resource?["metadata"]?["labels"]));
        Field(output, "Selector", Json.Labels(spec?["selector"]));
        Field(output, "Ports", string.Join(", ", ports.Select(PortText)));
        Field(output, "Versions", $"service {Version(answer?["service"])}, endpoints {Version(answer?["endpoints"])}, profile {Version(answer?["profile"])}");
        output.WriteLine();

        Field(output, "Endpoints", endpoints.Count == 0 ? "none (no Workload matches the selector)" : endpoints.Count.ToString(CultureInfo.InvariantCulture));
        output.Flush();
        if (endpoints.Count > 0)
        {
            var table = Tables.Create(["ENDPOINT", "WORKLOAD", "IDENTITY", "READY", "ZONE", "WEIGHT"]);
            foreach (var endpoint in endpoints)
            {
                foreach (var target in TargetPorts(ports, endpoint))
                {
                    Tables.AddRow(table, [
                        $"{Json.Str(endpoint["address"])}:{target}",
                        Json.Str(endpoint["workload"]) ?? "",
                        Json.Str(endpoint["identity"]) ?? "(unmeshed)",
                        Json.Str(endpoint["ready"]) ?? "",
                        Json.Str(endpoint["zone"]) ?? "",
                        Json.Str(endpoint["weight"]) ?? ""]);
                }
            }
            console.Ansi.Write(Tables.Indent(table, 2));
        }
        output.WriteLine();

        Field(output, "Routes", routes.Count > 0 ? routes.Count.ToString(CultureInfo.InvariantCulture)
            : consumers.Count > 0 ? "none of its own (clients of the namespaces below use their consumer routes)"
            : "none (requests go straight to this service's endpoints)");
        output.Flush();
        if (routes.Count > 0)
        {
            var table = Tables.Create(["ROUTE", "PORT", "MATCHES", "BACKENDS"]);
            foreach (var route in routes)
            {
                var port = Json.Long(route["port"]) is { } p and not 0 ? p.ToString(CultureInfo.InvariantCulture) : "*";
                Tables.AddRow(table, [Json.Str(route["name"]) ?? "", port, Matches(route), Backends(route)]);
            }
            console.Ansi.Write(Tables.Indent(table, 2));
        }
        // GAMMA consumer routes: each applies to clients in its own namespace, instead of the routes above.
        if (consumers.Count > 0)
        {
            output.WriteLine();
            Field(output, "Consumer routes", string.Join(", ", consumers.Select(c => $"from {Json.Str(c["namespace"])}: {Json.Items(c["routes"]).Count()}")));
            output.Flush();
            var table = Tables.Create(["FROM", "ROUTE", "PORT", "MATCHES", "BACKENDS"]);
            foreach (var consumer in consumers)
                foreach (var route in Json.Items(consumer["routes"]))
                {
                    var port = Json.Long(route["port"]) is { } p and not 0 ? p.ToString(CultureInfo.InvariantCulture) : "*";
                    Tables.AddRow(table, [Json.Str(consumer["namespace"]) ?? "", Json.Str(route["name"]) ?? "", port, Matches(route), Backends(route)]);
                }
            console.Ansi.Write(Tables.Indent(table, 2));
        }
        if (profile is not null)
        {
            output.WriteLine();
            Field(output, "Retry", Retry(profile["retry"]));
            Field(output, "Timeouts", Timeouts(profile["timeouts"]));
            Field(output, "Failure accrual", FailureAccrual(profile["failureAccrual"]));
        }
    }

    private static void Field(TextWriter output, string label, string value) =>
        output.WriteLine($"{label + ":",-17}{(value.Length == 0 ? "<none>" : value)}");

    private static string Version(JsonNode? versioned) => Json.Str(versioned?["version"]) ?? "-";

    private static string PortText(JsonNode port)
    {
        var name = Json.Str(port["name"]);
        var text = $"{(name is null ? "" : name + " ")}{Json.Str(port["port"])} -> {Json.Str(port["targetPort"]) ?? Json.Str(port["port"])}";
        return Json.Str(port["appProtocol"]) is { } app ? $"{text} ({app})" : text;
    }

    /// <summary>The endpoint's port for each Service port: a numeric targetPort as is, a named one through the
    /// workload's port names (as Kubernetes resolves named ports per Pod).</summary>
    private static IEnumerable<string> TargetPorts(IReadOnlyList<JsonNode> servicePorts, JsonNode endpoint)
    {
        var workloadPorts = Json.Props(endpoint["ports"]).ToDictionary(p => p.Key, p => Json.Str(p.Value));
        var targets = servicePorts
            .Select(p => Json.Str(p["targetPort"]) ?? Json.Str(p["port"]))
            .Select(t => t is not null && !int.TryParse(t, out _) ? workloadPorts.GetValueOrDefault(t) : t)
            .Where(t => t is not null)
            .Select(t => t!)
            .Distinct()
            .ToList();
        return targets.Count > 0 ? targets : workloadPorts.Values.Where(v => v is not null).Select(v => v!).Distinct().DefaultIfEmpty("?");
    }

    private static string Matches(JsonNode route)
    {
        var matches = Json.Items(route["matches"]).Select(match =>
        {
            var parts = new List<string>();
            if (Json.Str(match["method"]) is { } method)
                parts.Add(method);
            if (match["path"] is JsonObject path)
                parts.Add($"{MatchKind(path["kind"] ?? path["type"])} {Json.Str(path["value"])}");
            parts.AddRange(Json.Items(match["headers"]).Select(h => $"header {Json.Str(h["name"])}={Json.Str(h["value"]?["value"])}"));
            parts.AddRange(Json.Items(match["queryParams"]).Select(q => $"query {Json.Str(q["name"])}={Json.Str(q["value"]?["value"])}"));
            if (Json.Str(match["grpcService"]) is { } service)
                parts.Add($"{service}/{Json.Str(match["grpcMethod"]) ?? "*"}");
            return parts.Count == 0 ? "any" : string.Join(" ", parts);
        }).ToList();
        return matches.Count == 0 ? "any" : string.Join(" | ", matches);
    }

    /// <summary>Enum values arrive as numbers or names depending on the server's JSON settings.</summary>
    private static string MatchKind(JsonNode? kind) => Json.Str(kind)?.ToLowerInvariant() switch
    {
        "0" or "exact" => "Exact",
        "1" or "prefix" or "pathprefix" => "PathPrefix",
        "2" or "regex" or "regularexpression" => "Regex",
        var other => other ?? "Exact",
    };

    /// <summary>"books-v1:8080 (90%), books-v2:8080 (10%)".</summary>
    private static string Backends(JsonNode route)
    {
        var backends = Json.Items(route["backends"]).ToList();
        var total = backends.Sum(b => Json.Long(b["weight"]) ?? 1);
        return string.Join(", ", backends.Select(b =>
        {
            var weight = Json.Long(b["weight"]) ?? 1;
            var share = total > 0 ? weight * 100.0 / total : 0;
            var ns = Json.Str(b["namespace"]);
            var target = $"{Json.Str(b["name"])}{(ns is null ? "" : "." + ns)}:{Json.Str(b["port"])}";
            return $"{target} (weight {weight}, {share.ToString("0.#", CultureInfo.InvariantCulture)}%)";
        }));
    }

    private static string Retry(JsonNode? retry) => retry is JsonObject
        ? $"on {string.Join(",", Json.Items(retry["conditions"]).Select(Json.Str))}, limit {Json.Str(retry["limit"])}" +
          (Durations.Human(Json.Str(retry["perTryTimeout"])) is { } perTry ? $", per try {perTry}" : "")
        : "none";

    private static string Timeouts(JsonNode? timeouts)
    {
        var parts = Json.Props(timeouts).Where(p => Json.Str(p.Value) is not null).Select(p => $"{p.Key} {Durations.Human(Json.Str(p.Value))}").ToList();
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static string FailureAccrual(JsonNode? accrual) => accrual is JsonObject
        ? $"{Json.Str(accrual["consecutiveFailures"])} consecutive failures, backoff {Durations.Human(Json.Str(accrual["minBackoff"]))} to {Durations.Human(Json.Str(accrual["maxBackoff"]))}, jitter {Json.Str(accrual["jitter"])}"
        : "default";
}
