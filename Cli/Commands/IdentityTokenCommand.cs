using System.CommandLine;
using System.Globalization;
using Mesh.Cli.Connection;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh identity token NS/SA [--ttl 24h]`: asks the silo for a local-mode workload token and prints the token
/// alone on stdout, so scripts can write `MESH_PROXY_TOKEN=$(mesh identity token default/books)`.</summary>
internal static class IdentityTokenCommand
{
    public static Command Create(CliContext context)
    {
        var identity = new Argument<string>("namespace/service-account") { Description = "The workload identity, e.g. default/books" }.RejectingOptionLikeValues();
        var ttl = new Option<string?>("--ttl") { Description = "Token lifetime: a number with s, m, h or d (default: the silo's, 24h)", HelpName = "duration" };
        identity.Validators.Add(result =>
        {
            if (!TryParseIdentity(result.GetValueOrDefault<string>(), out _, out _, out var error))
                result.AddError(error);
        });
        ttl.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !TryParseDuration(text, out _))
                result.AddError($"--ttl '{text}' is not a duration: use a positive number with s, m, h or d, e.g. 90m or 24h");
        });
        var command = new Command("token", "Issue a workload token for a proxy (printed alone on stdout)") { identity, ttl };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            TryParseIdentity(parse.GetValue(identity), out var ns, out var sa, out _);
            long? seconds = parse.GetValue(ttl) is { } text && TryParseDuration(text, out var span) ? (long)span.TotalSeconds : null;
            using var admin = AdminClient.Create(context);
            var answer = await admin.IssueTokenAsync(ns, sa, seconds, ct);
            var token = answer.Token;
            if (string.IsNullOrEmpty(token))
                throw new CliException($"the silo at {admin.Connection.Admin} answered without a token", hint: "is MESH_ADMIN_ADDR pointing at a mesh silo of this version?");
            context.Console.Out.WriteLine(token);
            if (answer.Identity is { } issuedFor)
                context.Console.Note($"token for {issuedFor}");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>"ns/sa" with both parts valid identity labels (lowercase letters, digits, '-').</summary>
    internal static bool TryParseIdentity(string? text, out string ns, out string serviceAccount, out string error)
    {
        ns = serviceAccount = error = "";
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
        {
            error = $"'{text}' is not NAMESPACE/SERVICE-ACCOUNT (e.g. default/books)";
            return false;
        }
        try
        {
            SpiffeId.Create(SpiffeId.DefaultTrustDomain, parts[0], parts[1]);
        }
        catch (ArgumentException e)
        {
            error = $"'{text}': {e.Message.Split(" (Parameter", 2)[0]}";
            return false;
        }
        (ns, serviceAccount) = (parts[0], parts[1]);
        return true;
    }

    /// <summary>"90s", "30m", "24h", "7d": a positive whole number of seconds at least.</summary>
    internal static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
            return false;
        var unit = text[^1] switch { 's' => 1L, 'm' => 60L, 'h' => 3600L, 'd' => 86400L, _ => 0L };
        if (unit == 0 || n > long.MaxValue / unit / TimeSpan.TicksPerSecond)
            return false;
        duration = TimeSpan.FromSeconds(n * unit);
        return true;
    }
}
