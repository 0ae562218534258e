using System.CommandLine;
using System.Globalization;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;
using Spectre.Console;

namespace Mesh.Cli.Commands;

/// <summary>`mesh identity list`: the trust anchors and issuer with days left (coloured when rotation is due), then
/// every workload certificate the silo issued.</summary>
internal static class IdentityListCommand
{
    /// <summary>Below this many days an anchor is flagged: replacing a root takes a bundle roll-out.</summary>
    public const int AnchorWarnDays = 90;

    /// <summary>Below this many days the issuer is flagged: `mesh identity rotate-issuer` fixes it.</summary>
    public const int IssuerWarnDays = 30;

    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption(OutputFormat.Table, OutputFormat.Json);
        var command = new Command("list", "Trust anchors, issuer (days left) and issued workload certificates") { output };
        command.Aliases.Add("ls");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => RunAsync(context, parse.GetValue(output)!, ct), ct));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string output, CancellationToken ct)
    {
        using var admin = AdminClient.Create(context);
        var reply = await admin.IdentitiesAsync(ct);
        var console = context.Console;
        if (output == OutputFormat.Json)
        {
            console.Out.WriteLine(Json.Write(reply.Json));
            return ExitCodes.Ok;
        }

        var answer = reply.Value;
        console.Ansi.WriteLine($"Trust domain:  {answer.TrustDomain ?? "-"}");
        foreach (var anchor in (answer.Anchors ?? []).OfType<CertificateSummary>())
            WriteCa(console, "Trust anchor:", anchor, AnchorWarnDays, "plan an anchor rotation: add a new anchor to the trust bundle before this one expires");
        if (answer.Issuer is { } issuer)
            WriteCa(console, "Issuer:", issuer, IssuerWarnDays, "rotate it with: mesh identity rotate-issuer");
        console.Ansi.WriteLine();

        var certificates = (answer.Certificates ?? []).OfType<IssuedCertificateSummary>().ToList();
        if (certificates.Count == 0)
        {
            console.Note("No workload certificates issued yet (a proxy gets one when it starts: mesh proxy / mesh run).");
            return ExitCodes.Ok;
        }
        var table = Tables.Create(["IDENTITY", "SERIAL", "NOT-AFTER", "LEFT"]);
        foreach (var cert in certificates)
            Tables.AddRow(table, [cert.Identity ?? "", cert.Serial ?? "", Timestamp(cert.NotAfter), Left(cert)]);
        console.Ansi.Write(table);
        return ExitCodes.Ok;
    }

    /// <summary>Two or three lines per certificate: subject; serial, not-after and days left (yellow below the warning
    /// threshold, red once expired); then what to do, spelled out so it survives without colour.</summary>
    private static void WriteCa(IConsoleOutput console, string label, CertificateSummary cert, int warnDays, string advice)
    {
        var days = cert.DaysLeft;
        var left = days switch
        {
            null => "-",
            < 0 => $"[red]expired {(-days.Value).ToString("0", CultureInfo.InvariantCulture)} days ago[/]",
            var d when d < warnDays => $"[yellow]{d.Value.ToString("0", CultureInfo.InvariantCulture)} days left: expires soon[/]",
            var d => $"[green]{d.Value.ToString("0", CultureInfo.InvariantCulture)} days left[/]",
        };
        const string Indent = "               ";
        console.Ansi.MarkupLine($"{label,-15}{cert.Subject ?? "-"}".EscapeMarkup());
        console.Ansi.MarkupLine($"{Indent}serial {cert.Serial ?? "-"}, not after {Timestamp(cert.NotAfter)}, ".EscapeMarkup() + left);
        if (days is { } dd && dd < warnDays)
            console.Ansi.MarkupLine($"{Indent}{advice}".EscapeMarkup());
    }

    /// <summary>ISO 8601 UTC to the second, whatever precision the silo wrote.</summary>
    internal static string Timestamp(DateTimeOffset? time) => time?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture) ?? "-";

    /// <summary>As <see cref="Timestamp(DateTimeOffset?)"/>; a time without a zone counts as UTC (as the silo writes).</summary>
    internal static string Timestamp(DateTime? time) =>
        time is { } t ? Timestamp(new DateTimeOffset(t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime())) : "-";

    private static string Left(IssuedCertificateSummary cert)
    {
        if (cert.Expired)
            return "expired";
        return cert.HoursLeft is { } hours
            ? hours >= 48 ? $"{(hours / 24).ToString("0", CultureInfo.InvariantCulture)}d" : $"{hours.ToString("0.#", CultureInfo.InvariantCulture)}h"
            : "-";
    }
}
