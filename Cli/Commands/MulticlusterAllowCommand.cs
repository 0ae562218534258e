using System.CommandLine;
using Mesh.Abstractions.Resources;
using Mesh.Cli.Connection;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster allow IDENTITY [--name NAME] [--print]`: lets a linked cluster's silo watch this cluster's
/// exports, by applying a FederationPeer (through the catalog, like any resource: `mesh delete federationpeer NAME -n mesh`
/// revokes it, and open watches of that peer end at their next heartbeat). <c>--print</c> only prints it, for
/// `kubectl apply -f -` in Kubernetes mode (the sync reads FederationPeer CRs; `kubectl delete` revokes).</summary>
internal static class MulticlusterAllowCommand
{
    public static Command Create(CliContext context)
    {
        var identity = new Argument<string>("identity") { Description = "The peer silo's identity, e.g. spiffe://east.mesh/ns/mesh/sa/silo" }.RejectingOptionLikeValues();
        identity.Validators.Add(result =>
        {
            if (!SpiffeId.TryParse(result.GetValueOrDefault<string>(), out _))
                result.AddError($"'{result.GetValueOrDefault<string>()}' is not a mesh identity: use spiffe://<trust-domain>/ns/<ns>/sa/<sa>, e.g. spiffe://east.mesh/ns/mesh/sa/silo");
        });
        var name = new Option<string?>("--name") { Description = "Name of the FederationPeer (default: from the identity, e.g. east-mesh-silo)", HelpName = "name" };
        name.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } n && !DnsLabel.IsValid(n))
                result.AddError($"--name '{n}' is not a DNS label: use lowercase letters, digits and '-'");
        });
        var print = new Option<bool>("--print")
        {
            Description = "Print the FederationPeer instead of applying it (Kubernetes mode: mesh multicluster allow ID --print | kubectl apply -f -)",
        };
        var command = new Command("allow", "Allow a linked cluster's silo to watch this cluster's exports") { identity, name, print };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            var id = SpiffeId.Parse(parse.GetValue(identity)!);
            var peerName = parse.GetValue(name) ?? DefaultName(id)
                ?? throw new CliException($"no FederationPeer name follows from {id.Uri}", hint: "pass --name NAME (a DNS label)");
            if (parse.GetValue(print))
            {
                context.Console.Out.Write(Manifest(peerName, id.Uri));
                return ExitCodes.Ok;
            }
            using var admin = AdminClient.Create(context);
            var applied = await admin.ApplyAsync(Manifest(peerName, id.Uri), KubernetesObjects.Namespace, dryRun: false, ct);
            var action = applied.Results?.FirstOrDefault()?.Action ?? "applied";
            context.Console.Out.WriteLine($"federationpeer {KubernetesObjects.Namespace}/{peerName} {action}: {id.Uri} may watch this cluster's exports");
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <summary>"spiffe://east.mesh/ns/mesh/sa/silo" → "east-mesh-silo"; null when that is no DNS label.</summary>
    internal static string? DefaultName(SpiffeId id)
    {
        var name = $"{id.TrustDomain.Replace('.', '-')}-{id.ServiceAccount}".Replace('_', '-');
        return DnsLabel.IsValid(name) ? name : null;
    }

    internal static string Manifest(string name, string identity) => $"""
        apiVersion: {ResourceKinds.FederationPeer.ApiVersion}
        kind: {ResourceKinds.FederationPeer.Kind}
        metadata:
          name: {name}
          namespace: {KubernetesObjects.Namespace}
        spec:
          identity: "{identity}"

        """;
}
