using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
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
        AdminReply<ServiceDescription> answer;
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
            console.Out.WriteLine(Json.Write(answer.Json));
        else if (output == OutputFormat.Yaml)
            console.Out.Write(YamlRenderer.Render(answer.Json));
        else
            Write(console, name, ns, answer.Value);
        return ExitCodes.Ok;
    }

    private static void Write(IConsoleOutput console, string name, string ns, ServiceDescription answer)
    {
        // The resource is the user's document (untyped); everything derived from it is the contract's.
        var resource = answer.Resource is { } r ? JsonNode.Parse(r.GetRawText()) : null;
        var spec = resource?["spec"];
        var ports = Json.Items(spec?["ports"]).ToList();
        var endpoints = (answer.Endpoints?.Value?.Endpoints ?? []).OfType<EndpointInfo>().ToList();
        var profile = answer.Profile?.Value;
        var routes = (profile?.Routes ?? []).OfType<RouteInfo>().ToList();
        var consumers = (answer.ConsumerRoutes ?? []).OfType<ConsumerRoutesInfo>().ToList();
        var output = console.Out;

        Field(output, "Name", name);
        Field(output, "Namespace", ns);
        Field(output, "Authority", Mesh.Names.ServiceName.FormatFqdn(name, ns));
        Field(output, "Labels", Json.Labels(resource?["metadata"]?["labels"]));
        Field(output, "Selector", Json.Labels(spec?["selector"]));
        Field(output, "Ports", string.Join(", ", ports.Select(PortText)));
        Field(output, "Versions", $"service {Version(answer.Service?.Version)}, endpoints {Version(answer.Endpoints?.Version)}, profile {Version(answer.Profile?.Version)}");
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
                        $"{endpoint.Address}:{target}",
                        endpoint.Workload ?? "",
                        endpoint.Identity ?? "(unmeshed)",
                        endpoint.Ready is { } ready ? (ready ? "true" : "false") : "",
                        endpoint.Zone ?? "",
                        endpoint.Weight?.ToString(CultureInfo.InvariantCulture) ?? ""]);
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
                Tables.AddRow(table, [route.Name ?? "", Port(route), Matches(route), Backends(route)]);
            }
            console.Ansi.Write(Tables.Indent(table, 2));
        }
        // GAMMA consumer routes: each applies to clients in its own namespace, instead of the routes above.
        if (consumers.Count > 0)
        {
            output.WriteLine();
            Field(output, "Consumer routes", string.Join(", ", consumers.Select(c => $"from {c.Namespace}: {(c.Routes ?? []).Count(r => r is not null)}")));
            output.Flush();
            var table = Tables.Create(["FROM", "ROUTE", "PORT", "MATCHES", "BACKENDS"]);
            foreach (var consumer in consumers)
                foreach (var route in (consumer.Routes ?? []).OfType<RouteInfo>())
                    Tables.AddRow(table, [consumer.Namespace ?? "", route.Name ?? "", Port(route), Matches(route), Backends(route)]);
            console.Ansi.Write(Tables.Indent(table, 2));
        }
        if (profile is not null)
        {
            output.WriteLine();
            Field(output, "Retry", Retry(profile.Retry));
            Field(output, "Timeouts", Timeouts(profile.Timeouts));
            Field(output, "Failure accrual", FailureAccrual(profile.FailureAccrual));
        }
    }

    private static void Field(TextWriter output, string label, string value) =>
        output.WriteLine($"{label + ":",-17}{(value.Length == 0 ? "<none>" : value)}");

    private static string Version(long? version) => version?.ToString(CultureInfo.InvariantCulture) ?? "-";

    /// <summary>The route's port; "*" for 0 (every port of the Service).</summary>
    private static string Port(RouteInfo route) => route.Port != 0 ? route.Port.ToString(CultureInfo.InvariantCulture) : "*";

    private static string PortText(JsonNode port)
    {
        var name = Json.Str(port["name"]);
        var text = $"{(name is null ? "" : name + " ")}{Json.Str(port["port"])} -> {Json.Str(port["targetPort"]) ?? Json.Str(port["port"])}";
        return Json.Str(port["appProtocol"]) is { } app ? $"{text} ({app})" : text;
    }

    /// <summary>The endpoint's port for each Service port: a numeric targetPort as is, a named one through the
    /// workload's port names (as Kubernetes resolves named ports per Pod).</summary>
    private static IEnumerable<string> TargetPorts(IReadOnlyList<JsonNode> servicePorts, EndpointInfo endpoint)
    {
        var workloadPorts = (endpoint.Ports ?? new Dictionary<string, int>()).ToDictionary(p => p.Key, p => (string?)p.Value.ToString(CultureInfo.InvariantCulture));
        var targets = servicePorts
            .Select(p => Json.Str(p["targetPort"]) ?? Json.Str(p["port"]))
            .Select(t => t is not null && !int.TryParse(t, out _) ? workloadPorts.GetValueOrDefault(t) : t)
            .Where(t => t is not null)
            .Select(t => t!)
            .Distinct()
            .ToList();
        return targets.Count > 0 ? targets : workloadPorts.Values.Where(v => v is not null).Select(v => v!).Distinct().DefaultIfEmpty("?");
    }

    private static string Matches(RouteInfo route)
    {
        var matches = (route.Matches ?? []).OfType<RouteMatchInfo>().Select(match =>
        {
            var parts = new List<string>();
            if (match.Method is { } method)
                parts.Add(method);
            if (match.Path is { } path)
                parts.Add($"{MatchKind(path.Kind)} {path.Value}");
            parts.AddRange((match.Headers ?? []).OfType<HeaderMatchInfo>().Select(h => $"header {h.Name}={h.Value?.Value}"));
            parts.AddRange((match.QueryParams ?? []).OfType<HeaderMatchInfo>().Select(q => $"query {q.Name}={q.Value?.Value}"));
            if (match.GrpcService is { } service)
                parts.Add($"{service}/{match.GrpcMethod ?? "*"}");
            return parts.Count == 0 ? "any" : string.Join(" ", parts);
        }).ToList();
        return matches.Count == 0 ? "any" : string.Join(" | ", matches);
    }

    /// <summary>The silo writes names ("prefix"); older ones wrote the member number (read as its text).</summary>
    private static string MatchKind(string? kind) => kind?.ToLowerInvariant() switch
    {
        "0" or "exact" => "Exact",
        "1" or "prefix" or "pathprefix" => "PathPrefix",
        "2" or "regex" or "regularexpression" => "Regex",
        var other => other ?? "Exact",
    };

    /// <summary>"books-v1:8080 (90%), books-v2:8080 (10%)".</summary>
    private static string Backends(RouteInfo route)
    {
        var backends = (route.Backends ?? []).OfType<BackendInfo>().ToList();
        var total = backends.Sum(b => (long?)b.Weight ?? 1);
        return string.Join(", ", backends.Select(b =>
        {
            var weight = (long?)b.Weight ?? 1;
            var share = total > 0 ? weight * 100.0 / total : 0;
            var ns = b.Namespace;
            var target = $"{b.Name}{(ns is null ? "" : "." + ns)}:{b.Port?.ToString(CultureInfo.InvariantCulture)}";
            return $"{target} (weight {weight}, {share.ToString("0.#", CultureInfo.InvariantCulture)}%)";
        }));
    }

    private static string Retry(RetryInfo? retry) => retry is not null
        ? $"on {string.Join(",", retry.Conditions ?? [])}, limit {retry.Limit?.ToString(CultureInfo.InvariantCulture)}" +
          (Durations.Human(retry.PerTryTimeout) is { } perTry ? $", per try {perTry}" : "")
        : "none";

    /// <summary>"request 10s, backendRequest 1m30s": the set timeouts, by their wire names.</summary>
    private static string Timeouts(TimeoutsInfo? timeouts)
    {
        var parts = new[] { ("request", timeouts?.Request), ("backendRequest", timeouts?.BackendRequest), ("idle", timeouts?.Idle) }
            .Where(p => p.Item2 is not null).Select(p => $"{p.Item1} {Durations.Human(p.Item2)}").ToList();
        return parts.Count == 0 ? "none" : string.Join(", ", parts);
    }

    private static string FailureAccrual(FailureAccrualInfo? accrual) => accrual is not null
        ? $"{accrual.ConsecutiveFailures?.ToString(CultureInfo.InvariantCulture)} consecutive failures, backoff {Durations.Human(accrual.MinBackoff)} to {Durations.Human(accrual.MaxBackoff)}, jitter {accrual.Jitter?.ToString(CultureInfo.InvariantCulture)}"
        : "default";
}
