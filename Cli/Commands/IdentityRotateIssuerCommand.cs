using System.CommandLine;
using System.Globalization;
using Mesh.Cli.Connection;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>`mesh identity rotate-issuer`: the silo signs a new issuer with the same trust anchor, so certificates
/// issued before keep validating; prints the new issuer.</summary>
internal static class IdentityRotateIssuerCommand
{
    public static Command Create(CliContext context)
    {
        var output = OutputFormat.CreateOption("text", OutputFormat.Json);
        var command = new Command("rotate-issuer", "Replace the issuer certificate (existing workload certificates stay valid)") { output };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var answer = await admin.RotateIssuerAsync(ct);
            if (parse.GetValue(output) == OutputFormat.Json)
            {
                context.Console.Out.WriteLine(Json.Write(answer.Json));
                return ExitCodes.Ok;
            }
            if (answer.Value.Issuer is not { } issuer)
                throw new CliException($"the silo at {admin.Connection.Admin} answered without the new issuer", hint: "check it with: mesh identity list");
            var text = context.Console.Out;
            text.WriteLine("issuer rotated");
            text.WriteLine($"  subject:    {issuer.Subject ?? "-"}");
            text.WriteLine($"  serial:     {issuer.Serial ?? "-"}");
            text.WriteLine($"  not before: {IdentityListCommand.Timestamp(issuer.NotBefore)}");
            text.WriteLine($"  not after:  {IdentityListCommand.Timestamp(issuer.NotAfter)} ({issuer.DaysLeft?.ToString(CultureInfo.InvariantCulture) ?? "-"} days left)");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
