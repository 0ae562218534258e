using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Cli.Local;

namespace Mesh.Cli.Commands;

/// <summary>`mesh proxy`: runs a sidecar alone in the foreground (the `mesh-proxy` executable), pointed at this
/// silo and its trust anchors. The token comes from MESH_PROXY_TOKEN / --token-file; other mesh-proxy flags pass
/// through unchanged.</summary>
internal static class ProxyCommand
{
    public static Command Create(CliContext context)
    {
        var ns = CommonOptions.Namespace();
        var serviceAccount = new Option<string>("--service-account") { Description = "Identity the sidecar certifies as", Required = true };
        var workload = new Option<string?>("--workload") { Description = "Workload name whose inbound policy applies (default: the service account)" };
        var inbound = new Option<int?>("--inbound-port") { Description = "Inbound port (default 4143; 0 = free)" };
        var outbound = new Option<int?>("--outbound-port") { Description = "Outbound port (default 4140; 0 = free)" };
        var adminPort = new Option<int?>("--admin-port") { Description = "Admin port (default 4191; 0 = free)" };
        var gateway = new Option<bool>("--gateway")
        {
            Description = "Run as a multicluster gateway: accept mesh mTLS for exported services on the inbound port and forward them",
        };
        var command = new Command("proxy", "Run a sidecar proxy (or a gateway) in the foreground (see mesh-proxy --help for every flag)")
        {
            ns, serviceAccount, workload, inbound, outbound, adminPort, gateway,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var connection = SiloConnection.Resolve(context);
            var sa = parse.GetValue(serviceAccount)!;
            var args = new List<string>
            {
                parse.GetValue(gateway) ? "gateway" : "sidecar",
                "--namespace", parse.GetValue(ns) ?? "default",
                "--service-account", sa,
                "--workload", parse.GetValue(workload) ?? sa,
                "--control-addr", connection.Control.ToString().TrimEnd('/'),
            };
            var anchors = context.GetEnvironmentVariable("MESH_PROXY_TRUST_ANCHORS") is { Length: > 0 } a ? a
                : Path.Combine(connection.DataDirectory, "trust-anchors.pem");
            args.AddRange(["--trust-anchors", anchors]);
            if (parse.GetValue(inbound) is { } i) args.AddRange(["--inbound-addr", $"127.0.0.1:{i}"]);
            if (parse.GetValue(outbound) is { } o) args.AddRange(["--outbound-addr", $"127.0.0.1:{o}"]);
            if (parse.GetValue(adminPort) is { } p) args.AddRange(["--admin-addr", $"127.0.0.1:{p}"]);
            args.AddRange(parse.UnmatchedTokens);
            // The identity and the silo's are in the silo's trust domain (a linked cluster has its own), unless given.
            if (!parse.UnmatchedTokens.Contains("--trust-domain"))
            {
                using var admin = AdminClient.Create(context);
                if ((await admin.InfoAsync(ct)).Value.TrustDomain is { } trustDomain) args.AddRange(["--trust-domain", trustDomain]);
            }
            await using var proxy = ChildProcess.Start("", MeshBinaries.Proxy(context), args, echo: context.Console.Out);
            try
            {
                await proxy.WaitForExitAsync(ct);
                return proxy.ExitCode ?? ExitCodes.Ok;
            }
            catch (OperationCanceledException)
            {
                await proxy.StopAsync(TimeSpan.FromSeconds(15));
                return ExitCodes.Ok;
            }
        }, ct));
        return command;
    }
}
