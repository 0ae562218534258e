using System.CommandLine;
using System.Text.Json.Nodes;
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
                context.Console.Out.WriteLine(Json.Write(answer));
                return ExitCodes.Ok;
            }
            if (answer?["issuer"] is not JsonObject issuer)
                throw new CliException($"the silo at {admin.Connection.Admin} answered without the new issuer", hint: "check it with: mesh identity list");
            var text = context.Console.Out;
            text.WriteLine("issuer rotated");
            text.WriteLine($"  subject:    {Json.Str(issuer["subject"]) ?? "-"}");
            text.WriteLine($"  serial:     {Json.Str(issuer["serial"]) ?? "-"}");
            text.WriteLine($"  not before: {IdentityListCommand.Timestamp(issuer["notBefore"])}");
            text.WriteLine($"  not after:  {IdentityListCommand.Timestamp(issuer["notAfter"])} ({Json.Str(issuer["daysLeft"]) ?? "-"} days left)");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
