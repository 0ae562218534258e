using System.CommandLine;
using System.Reflection;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh version`: this CLI's version and, when the silo answers, the silo's. The client version is printed
/// even when the silo cannot be reached, but the exit code says so (2, as for every command), so scripts can tell.</summary>
internal static class VersionCommand
{
    public static Command Create(CliContext context)
    {
        var clientOnly = new Option<bool>("--client") { Description = "Print only the client version (do not contact the silo)" };
        var output = OutputFormat.CreateOption("text", OutputFormat.Json);
        var command = new Command("version", "Print the client and silo versions") { clientOnly, output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () =>
            RunAsync(context, parse.GetValue(clientOnly), parse.GetValue(output) == OutputFormat.Json, ct), ct));
        return command;
    }

    /// <summary>The informational version without the source-revision suffix ("0.1.0").</summary>
    public static string ClientVersion
    {
        get
        {
            var version = typeof(VersionCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?? typeof(VersionCommand).Assembly.GetName().Version?.ToString() ?? "unknown";
            var plus = version.IndexOf('+');
            return plus > 0 ? version[..plus] : version;
        }
    }

    private static async Task<int> RunAsync(CliContext context, bool clientOnly, bool json, CancellationToken ct)
    {
        AdminReply<InfoResponse>? server = null;
        string? unreachable = null;
        var exitCode = ExitCodes.Ok;
        if (!clientOnly)
        {
            using var admin = AdminClient.Create(context);
            try
            {
                server = await admin.InfoAsync(ct);
            }
            catch (SiloUnreachableException e)
            {
                unreachable = $"cannot reach the silo at {e.Address}";
                exitCode = e.ExitCode;
            }
            catch (CliException e)
            {
                unreachable = e.Lines[0];
                exitCode = e.ExitCode;
            }
        }

        var console = context.Console;
        if (json)
        {
            var result = new JsonObject { ["client"] = new JsonObject { ["version"] = ClientVersion } };
            if (!clientOnly)
                result["server"] = server?.Json?.DeepClone();
            console.Out.WriteLine(Json.Write(result));
        }
        else
        {
            console.Out.WriteLine($"Client version: {ClientVersion}");
            if (server?.Value is { } info)
            {
                console.Out.WriteLine($"Server version: {info.Version ?? "unknown"}");
                console.Out.WriteLine($"  silo {info.SiloAddress ?? "?"}, cluster {info.ClusterId ?? "?"}, trust domain {info.TrustDomain ?? "?"}, storage {info.Storage ?? "?"}, up {Uptime(info.UptimeSeconds)}");
            }
        }
        if (unreachable is not null)
            console.Note($"Server version: unavailable ({unreachable})");
        return exitCode;
    }

    private static string Uptime(double? seconds) => seconds is { } s
        ? TimeSpan.FromSeconds(s) switch
        {
            { TotalDays: >= 1 } t => $"{(int)t.TotalDays}d{t.Hours}h",
            { TotalHours: >= 1 } t => $"{(int)t.TotalHours}h{t.Minutes}m",
            { TotalMinutes: >= 1 } t => $"{(int)t.TotalMinutes}m{t.Seconds}s",
            var t => $"{t.Seconds}s",
        }
        : "?";
}
