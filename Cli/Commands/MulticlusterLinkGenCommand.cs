using System.CommandLine;
using Mesh.Cli.Connection;
using Mesh.Cli.Manifests;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster link-gen [--cluster-name NAME] [--federation-address HOST:PORT]`: prints the Link the other cluster applies
/// (`mesh multicluster link-gen --cluster-name west | mesh apply -f -` on east, with each CLI pointed at its silo).
/// Only the YAML goes to stdout.</summary>
internal static class MulticlusterLinkGenCommand
{
    public static Command Create(CliContext context)
    {
        var clusterName = new Option<string?>("--cluster-name")
        {
            Description = "This cluster's name as the other cluster will know it (default: the silo's MESH_CLUSTER_NAME)", HelpName = "name",
        };
        var federationAddress = new Option<string?>("--federation-address")
        {
            Description = "host:port the other cluster dials for this silo's federation API (default: what the silo advertises; "
                + "in Kubernetes mode the pod IP, so name the LoadBalancer in front of it here)", HelpName = "host:port",
        };
        federationAddress.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } text && !Authority.TryParse(text, defaultPort: null, out _, out var error))
                result.AddError($"--federation-address '{text}' is not host:port ({error}), e.g. federation.west.example.com:{KubernetesObjects.FederationPort}");
        });
        var command = new Command("link-gen", "Print the Link another cluster applies to mirror this one") { clusterName, federationAddress };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var info = await admin.LinkInfoAsync(ct);
            context.Console.Out.Write(LinkManifest.Build(info, parse.GetValue(clusterName), parse.GetValue(federationAddress)));
            return ExitCodes.Ok;
        }, ct));
        return command;
    }
}
