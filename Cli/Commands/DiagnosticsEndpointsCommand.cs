using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh diagnostics endpoints AUTHORITY [--watch]`: opens a real discovery watch, as a proxy does, and prints
/// the endpoints the silo serves for that authority (cf. `linkerd diagnostics endpoints`); with --watch, every update.
/// The port is required (endpoints are per service port); no endpoints is exit 1 with the reason.</summary>
internal static class DiagnosticsEndpointsCommand
{
    /// <summary>How long a one-shot lookup waits for the snapshot the silo must send first.</summary>
    private static readonly TimeSpan SnapshotTimeout = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);

    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static Command Create(CliContext context)
    {
        var authority = new Argument<string>("authority") { Description = "Service authority: name.ns.svc.cluster.local:port, name.ns:port or name:port" }.RejectingOptionLikeValues();
        var ns = CommonOptions.Namespace("Namespace for short authorities such as books:8080 (default: default)");
        var watch = new Option<bool>("--watch", "-w") { Description = "Keep watching and print every update until Ctrl-C" };
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);

        var command = new Command("endpoints", "Show the endpoints the control plane serves for a service authority") { authority, ns, watch, output };
        command.Aliases.Add("ep");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var target = parse.GetValue(authority)!;
            if (!HasPort(target))
                throw await PortRequiredAsync(context, target, parse.GetValue(ns) ?? CommonOptions.DefaultNamespace, ct);
            var request = new WatchRequest
            {
                Authority = parse.GetValue(authority)!,
                ContextNamespace = parse.GetValue(ns) ?? CommonOptions.DefaultNamespace,
                ProxyId = $"mesh-cli/{Environment.ProcessId}",
            };
            var json = parse.GetValue(output) == OutputFormat.Json;
            return await (parse.GetValue(watch) ? WatchAsync(context, request, json, ct) : ShowAsync(context, request, json, ct));
        }, ct));
        return command;
    }

    /// <summary>"books:8080", "books.default.svc.cluster.local:8080", "[::1]:80" have a port; "books" does not.</summary>
    private static bool HasPort(string authority)
    {
        var colon = authority.LastIndexOf(':');
        return colon > 0 && colon > authority.LastIndexOf(']') && colon < authority.Length - 1;
    }

    /// <summary>A service has one endpoint set per port, so the port is required; the error lists the service's ports
    /// (from the admin API) so the user can pick one.</summary>
    private static async Task<CliException> PortRequiredAsync(CliContext context, string authority, string ns, CancellationToken ct)
    {
        var parts = authority.Split('.');
        var (name, serviceNs) = (parts[0], parts.Length > 1 ? parts[1] : ns);
        string ports;
        var example = $"{name}.{serviceNs}:PORT";
        try
        {
            using var admin = AdminClient.Create(context);
            var answer = (await admin.DescribeServiceAsync(serviceNs, name, ct)).Value;
            // The Service's own document (the user's resource, untyped): its ports as written.
            var resource = answer.Resource is { } r ? JsonNode.Parse(r.GetRawText()) : null;
            var list = Json.Items(resource?["spec"]?["ports"]).ToList();
            ports = list.Count == 0 ? $"service {name}.{serviceNs} has none" : $"service {name}.{serviceNs} has "
                + string.Join(", ", list.Select(p => Json.Str(p["name"]) is { Length: > 0 } n ? $"{Json.Str(p["port"])} ({n})" : Json.Str(p["port"])));
            if (list.Count > 0) example = $"{name}.{serviceNs}:{Json.Str(list[0]["port"])}";
        }
        catch (AdminProblemException e) when (e.Status == System.Net.HttpStatusCode.NotFound)
        {
            ports = $"and there is no service {name}.{serviceNs}; list services with: mesh get services -A";
        }
        catch (CliException)
        {
            ports = "the silo's admin API did not say which ports the service has";
        }
        return new CliException($"{authority}: no port given; endpoints are per service port ({ports})",
            hint: $"name the port, e.g.: mesh diagnostics endpoints {example}");
    }

    private static async Task<int> ShowAsync(CliContext context, WatchRequest request, bool json, CancellationToken ct)
    {
        using var discovery = new DiscoveryConnection(SiloConnection.Resolve(context));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(SnapshotTimeout);
        ServiceUpdate first;
        try
        {
            using var call = discovery.Client.Watch(request, cancellationToken: timeout.Token);
            if (!await call.ResponseStream.MoveNext(timeout.Token))
                throw new CliException($"the silo at {discovery.Address} closed the watch without sending a snapshot");
            first = call.ResponseStream.Current;
        }
        catch (RpcException e) when (!ct.IsCancellationRequested)
        {
            throw e.StatusCode == StatusCode.Cancelled
                ? new SiloUnreachableException(discovery.Address, $"no snapshot within {SnapshotTimeout.TotalSeconds:0} s")
                : discovery.Translate(e);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SiloUnreachableException(discovery.Address, $"no snapshot within {SnapshotTimeout.TotalSeconds:0} s");
        }

        if (first.KindCase != ServiceUpdate.KindOneofCase.Snapshot)
            throw new CliException($"the silo sent {first.KindCase} before a snapshot; a watch must start with one (report this as a silo bug)");
        var snapshot = first.Snapshot;
        if (!snapshot.Exists)
            throw NoSuchService(request);
        if (json)
        {
            context.Console.Out.WriteLine(Json.Write(JsonNode.Parse(Formatter.Format(snapshot))));
            return snapshot.Endpoints.Count == 0 ? ExitCodes.UserError : ExitCodes.Ok;
        }
        WriteSnapshot(context.Console, snapshot, request);
        return snapshot.Endpoints.Count == 0 ? ExitCodes.UserError : ExitCodes.Ok;
    }

    private static CliException NoSuchService(WatchRequest request) => new(
        $"no such service: {request.Authority}",
        hint: "check the name, namespace and port (list services with: mesh get services -A), or use --watch to wait for it to appear");

    /// <summary>Prints every update until Ctrl-C. A broken stream after the first answer is reconnected with backoff
    /// (the silo then sends a fresh snapshot); failing to connect at all is exit 2.</summary>
    private static async Task<int> WatchAsync(CliContext context, WatchRequest request, bool json, CancellationToken ct)
    {
        using var discovery = new DiscoveryConnection(SiloConnection.Resolve(context));
        var console = context.Console;
        var state = new Dictionary<string, Endpoint>();
        var answered = false;
        var delay = TimeSpan.FromMilliseconds(250);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var call = discovery.Client.Watch(request, cancellationToken: ct);
                await foreach (var update in call.ResponseStream.ReadAllAsync(ct))
                {
                    if (json)
                        console.Out.WriteLine(Formatter.Format(update));
                    else
                        WriteUpdate(console, update, state, request, first: !answered);
                    console.Out.Flush();
                    answered = true;
                    delay = TimeSpan.FromMilliseconds(250);
                }
                console.Note("the silo ended the watch; reconnecting");
            }
            catch (RpcException) when (ct.IsCancellationRequested)
            {
                return ExitCodes.Ok;
            }
            catch (RpcException e) when (answered)
            {
                console.Note($"watch interrupted ({e.StatusCode}: {e.Status.Detail}); reconnecting");
            }
            catch (RpcException e)
            {
                throw discovery.Translate(e);
            }

            try
            {
                await Task.Delay(delay, ct);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Ok;
            }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnectDelay.Ticks));
        }
        return ExitCodes.Ok;
    }

    private static void WriteUpdate(IConsoleOutput console, ServiceUpdate update, Dictionary<string, Endpoint> state, WatchRequest request, bool first)
    {
        var v = $"[v{update.Version.ToString(CultureInfo.InvariantCulture)}]";
        var output = console.Out;
        switch (update.KindCase)
        {
            case ServiceUpdate.KindOneofCase.Snapshot:
                var snapshot = update.Snapshot;
                state.Clear();
                foreach (var endpoint in snapshot.Endpoints)
                    state[endpoint.Key] = endpoint;
                if (!snapshot.Exists)
                {
                    console.Note($"{v} no such service: {request.Authority}; waiting for it to appear (Ctrl-C to stop)");
                    break;
                }
                if (!first)
                    output.WriteLine($"{v} snapshot: {snapshot.Authority}, {snapshot.Endpoints.Count} endpoint(s)");
                WriteSnapshot(console, snapshot, request, watching: true);
                break;
            case ServiceUpdate.KindOneofCase.Upserted:
                foreach (var endpoint in update.Upserted.Endpoints)
                {
                    var sign = state.ContainsKey(endpoint.Key) ? "~" : "+";
                    state[endpoint.Key] = endpoint;
                    output.WriteLine($"{v} {sign} {endpoint.Address}:{endpoint.Port} workload={Dash(endpoint.Workload)} identity={Dash(endpoint.Identity)} weight={endpoint.Weight} ready={(endpoint.Ready ? "true" : "false")}");
                }
                break;
            case ServiceUpdate.KindOneofCase.Removed:
                foreach (var key in update.Removed.Keys)
                {
                    state.Remove(key);
                    output.WriteLine($"{v} - {key}");
                }
                break;
            case ServiceUpdate.KindOneofCase.Profile:
                output.WriteLine($"{v} profile: {update.Profile.Routes.Count} route(s){(update.Profile.Opaque ? ", opaque" : "")}");
                break;
            case ServiceUpdate.KindOneofCase.Deleted:
                state.Clear();
                output.WriteLine($"{v} deleted: {(update.Deleted.Reason.Length == 0 ? "the service was removed" : update.Deleted.Reason)}");
                break;
            default:
                console.Note($"{v} update of a kind this CLI does not know ({update.KindCase}); upgrade mesh");
                break;
        }
    }

    private static void WriteSnapshot(IConsoleOutput console, ServiceSnapshot snapshot, WatchRequest request, bool watching = false)
    {
        if (snapshot.Endpoints.Count == 0)
        {
            // The silo says why when it knows (the service has no such port); otherwise no Workload qualifies.
            Action<string> say = watching ? console.Note : console.Error;
            say(snapshot.Problem.Length > 0
                ? $"{snapshot.Problem}; nothing serves {snapshot.Authority}"
                : $"service {snapshot.Authority} has no endpoints: no Workload matches its selector, or none has the target port (see: mesh describe service NAME)");
            return;
        }
        var service = snapshot.Name.Length > 0 ? snapshot.Name : request.Authority;
        var table = Tables.Create(["NAMESPACE", "IP", "PORT", "WORKLOAD", "SERVICE", "IDENTITY", "WEIGHT"]);
        foreach (var endpoint in snapshot.Endpoints.OrderBy(e => e.Address, StringComparer.Ordinal).ThenBy(e => e.Port))
        {
            Tables.AddRow(table, [
                snapshot.Namespace, endpoint.Address, endpoint.Port.ToString(CultureInfo.InvariantCulture), endpoint.Workload,
                $"{service}.{snapshot.Namespace}", endpoint.Identity, endpoint.Weight.ToString(CultureInfo.InvariantCulture)]);
        }
        console.Ansi.Write(table);
    }

    private static string Dash(string value) => value.Length == 0 ? "-" : value;
}
