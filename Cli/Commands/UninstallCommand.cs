using System.CommandLine;
using Mesh.Cli.Kubernetes;

namespace Mesh.Cli.Commands;

/// <summary>`mesh uninstall`: prints every object `mesh install` creates, by identity only and in the order to delete
/// them, for `| kubectl delete -f -`. The webhook goes first (pod creations stop reaching a silo that is going), the
/// namespace and the CRDs last. The Gateway API CRDs stay unless asked: other controllers may own routes.</summary>
internal static class UninstallCommand
{
    public static Command Create(CliContext context)
    {
        var ns = InstallCommand.NamespaceOption();
        var gatewayApi = new Option<bool>("--include-gateway-api") { Description = "Also delete the Gateway API CRDs (and with them every HTTPRoute and GRPCRoute in the cluster)" };
        var command = new Command("uninstall", "Print the control plane's objects for `| kubectl delete -f -`") { ns, gatewayApi };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => Task.FromResult(Run(context, parse.GetValue(ns)!, parse.GetValue(gatewayApi))), ct));
        return command;
    }

    private static int Run(CliContext context, string ns, bool gatewayApi)
    {
        var options = new InstallOptions
        {
            Namespace = ns, HighAvailability = true, TrustDomain = Names.SpiffeId.DefaultTrustDomain,
            SiloImage = "", ProxyImage = "", RedisImage = "", GatewayApiCrds = gatewayApi,
            // Whether or not the install had them: kubectl delete --ignore-not-found skips what is not there.
            ClusterName = "uninstall", Federation = true, Gateway = true,
        };
        var objects = InstalledObject.Read(InstallManifests.Render(options, InstallIdentity.None));
        var ordered = objects.Where(o => o.Kind != "CustomResourceDefinition").Reverse()
            .Concat(objects.Where(o => o.Kind == "CustomResourceDefinition"));
        var output = context.Console.Out;
        output.Write($"# mesh uninstall: the control plane in namespace {ns}. Delete with: mesh uninstall | kubectl delete --ignore-not-found -f -\n");
        foreach (var o in ordered)
            output.Write("---\n" + o.ToYaml());
        context.Console.Note(gatewayApi
            ? "this deletes the policy.mesh.io and Gateway API CRDs, and with them every Server, policy, HTTPRoute and GRPCRoute in the cluster"
            : "this deletes the policy.mesh.io CRDs and every Server and policy with them; the Gateway API CRDs stay (--include-gateway-api deletes them too)");
        return ExitCodes.Ok;
    }
}
