using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Cli.Local;

namespace Mesh.Cli.Commands;

/// <summary>`mesh run NAME --port P -- CMD...`: runs a local app behind its own sidecar, registered with the silo as a
/// Workload of NAME (a Service NAME is created when none selects it); removes it all on exit.</summary>
internal static class RunCommand
{
    public static Command Create(CliContext context)
    {
        var name = new Argument<string>("name") { Description = "Service (and app label) the app belongs to" };
        var port = new Option<int>("--port", "-p") { Description = "Port the app listens on (127.0.0.1)", Required = true };
        var ns = CommonOptions.Namespace();
        var serviceAccount = new Option<string?>("--service-account") { Description = "Identity of the workload (default: NAME)" };
        var labels = new Option<string[]>("--label", "-l") { Description = "Extra workload label k=v (repeatable)", AllowMultipleArgumentsPerToken = false };
        var inbound = new Option<int>("--inbound-port") { Description = "Sidecar inbound port (default: a free port)" };
        var outbound = new Option<int>("--outbound-port") { Description = "Sidecar outbound port, given to the app as HTTP_PROXY (default: a free port)" };
        var adminPort = new Option<int>("--admin-port") { Description = "Sidecar admin port (default: a free port)" };
        var address = new Option<string>("--address")
        {
            Description = "IP address peers reach this workload at: its sidecar's inbound listens there and the Workload advertises it (default 127.0.0.1; the app itself stays on 127.0.0.1)",
            DefaultValueFactory = _ => "127.0.0.1",
        };
        var tcp = new Option<bool>("--tcp") { Description = "The app speaks raw TCP (a database): its Service port is opaque (appProtocol: tcp)" };
        var command = new Argument<string[]>("command") { Description = "The app's command line (after --)", Arity = ArgumentArity.ZeroOrMore };

        var run = new Command("run", "Run a local app with its own sidecar, meshed: `mesh run books --port 7001 -- python3 -m http.server 7001`")
        {
            name, port, ns, serviceAccount, labels, inbound, outbound, adminPort, address, tcp, command,
        };
        run.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var service = parse.GetValue(name)!;
            if (!System.Text.RegularExpressions.Regex.IsMatch(service, "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"))
                throw new CliException($"'{service}' is not a valid name", hint: "use lowercase letters, digits and '-', like 'books'");
            var appPort = parse.GetValue(port);
            if (appPort is < 1 or > 65535) throw new CliException($"--port {appPort} is not a port (1..65535)");
            var labelMap = new Dictionary<string, string> { ["app"] = service };
            foreach (var l in parse.GetValue(labels) ?? [])
            {
                var eq = l.IndexOf('=');
                if (eq <= 0) throw new CliException($"--label '{l}' is not k=v");
                labelMap[l[..eq]] = l[(eq + 1)..];
            }
            var at = parse.GetValue(address)!;
            if (!System.Net.IPAddress.TryParse(at, out var ip) || ip.Equals(System.Net.IPAddress.Any) || ip.Equals(System.Net.IPAddress.IPv6Any))
                throw new CliException($"--address '{at}' is not an address peers can reach", hint: "give this host's IP, like 10.0.0.5 (not 0.0.0.0 or a name)");
            var spec = new LocalWorkloadSpec(
                service,
                parse.GetValue(ns) ?? "default",
                parse.GetValue(serviceAccount) ?? service,
                $"{service}-{Guid.NewGuid().ToString("N")[..5]}",
                appPort,
                labelMap,
                PortOrFree(parse.GetValue(inbound)),
                PortOrFree(parse.GetValue(outbound)),
                PortOrFree(parse.GetValue(adminPort)),
                Tcp: parse.GetValue(tcp),
                Address: ip.ToString());
            var cmd = parse.GetValue(command) ?? [];
            using var admin = AdminClient.Create(context);
            await using var workload = await LocalWorkload.StartAsync(spec, admin, MeshBinaries.Proxy(context),
                cmd.Length == 0 ? null : (cmd[0], cmd[1..]), context.Console.ErrorWriter, ct);
            context.Console.Note($"{spec.Namespace}/{spec.WorkloadName}: app 127.0.0.1:{spec.AppPort}, sidecar inbound {spec.Address}:{spec.InboundPort}, " +
                $"outbound :{spec.OutboundPort} (HTTP_PROXY), admin :{spec.AdminPort}; Ctrl-C stops it");
            ChildProcess exited;
            try { exited = await workload.WaitForExitAsync(ct); }
            catch (OperationCanceledException) { return ExitCodes.Ok; }
            if (exited == workload.Proxy)
            {
                context.Console.Error($"{spec.Namespace}/{spec.WorkloadName}: the sidecar exited (code {exited.ExitCode}); stopping the app and withdrawing the workload");
                return ExitCodes.UserError;
            }
            return exited.ExitCode is null or 0 ? ExitCodes.Ok : ExitCodes.UserError;
        }, ct));
        return run;
    }

    private static int PortOrFree(int port) => port == 0 ? FreePort.Next() : port;
}
