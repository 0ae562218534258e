using System.CommandLine;
using System.Net;
using Mesh.Cli.Connection;

namespace Mesh.Cli.Commands;

/// <summary>Options of the stats verbs (`stat`, `edges`, `routes`, `top`): the window the silo aggregates over and
/// the namespace scope, spelled the same in each.</summary>
internal static class StatsOptions
{
    /// <summary>The windows the silo keeps (Silo/Telemetry StatsWindow); anything else is a parse error here rather
    /// than a round trip to a 400.</summary>
    public static readonly string[] Windows = ["10s", "1m", "10m"];

    /// <summary>How often `--watch` and `top` redraw.</summary>
    public static readonly TimeSpan RefreshPeriod = TimeSpan.FromSeconds(2);

    public static Option<string> Window(string defaultWindow = "1m")
    {
        var option = new Option<string>("--window", "-t")
        {
            Description = $"Time window of the stats: {string.Join(", ", Windows)}",
            HelpName = "window",
            DefaultValueFactory = _ => defaultWindow,
        };
        option.AcceptOnlyFromAmong(Windows);
        return option;
    }

    public static Option<bool> AllNamespaces() => new("--all-namespaces", "-A") { Description = "Every namespace" };

    /// <summary>Rejects -A together with -n.</summary>
    public static void ExclusiveNamespaceScope(Command command, Option<string?> ns, Option<bool> all) =>
        command.Validators.Add(result =>
        {
            if (result.GetValue(all) && result.GetValue(ns) is not null)
                result.AddError("-A and -n cannot be combined: -A shows every namespace");
        });

    /// <summary>GET a stats endpoint; a bare 404 (no problem detail: the route itself is missing) means a silo
    /// without the stats API and becomes an error saying so, instead of "404 Not Found".</summary>
    public static async Task<T> FetchAsync<T>(AdminClient admin, string what, Func<AdminClient, Task<T>> fetch)
    {
        try
        {
            return await fetch(admin);
        }
        catch (AdminProblemException e) when (e.Status == HttpStatusCode.NotFound && string.IsNullOrEmpty(e.Problem.Detail))
        {
            throw new CliException($"the silo at {admin.Connection.Admin.ToString().TrimEnd('/')} does not serve the stats API (/api/v1/stats/{what.Split('/')[0]})",
                hint: "it is an older silo: restart it from this version (./mesh silo)");
        }
    }
}
