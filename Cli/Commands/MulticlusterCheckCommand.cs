using System.CommandLine;
using Mesh.Admin.Contract;
using Mesh.Cli.Connection;

namespace Mesh.Cli.Commands;

/// <summary>`mesh multicluster check`: per Link whether its federation stream is up, whether both clusters trust the
/// same anchor, whether its gateway answers its probes, each mirror that could not be written (name conflict, missing namespace, error), and resources left by
/// links that no longer exist — every failure with its fix. Exit code 1 when anything failed.</summary>
internal static class MulticlusterCheckCommand
{
    public const string Category = "multicluster";

    public static Command Create(CliContext context)
    {
        var command = new Command("check", "Check every Link: peer reachable, gateway alive, mirrors written, no name conflicts or orphans");
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            using var admin = AdminClient.Create(context);
            var links = (await admin.LinksAsync(ct)).Value;
            var info = await admin.LinkInfoAsync(ct);
            var results = Evaluate(links, info.FederationIdentity, info.TrustAnchorSha256);
            string? previous = null;
            foreach (var result in results)
            {
                CheckCommand.Print(context.Console, result, previous);
                previous = result.Category;
            }
            return results.Any(r => r.Status == CheckStatus.Fail) ? ExitCodes.UserError : ExitCodes.Ok;
        }, ct));
        return command;
    }

    /// <param name="self">This silo's identity, the one the linked cluster must allow.</param>
    /// <param name="anchors">SHA-256 of each of this cluster's trust anchors.</param>
    internal static List<CheckResult> Evaluate(LinksResponse links, string self, IReadOnlyList<string> anchors)
    {
        var results = new List<CheckResult>();
        if (links.Links.Count == 0 && links.Orphans.Count == 0)
            results.Add(new(Category, "links", CheckStatus.Ok, "no Links"));
        foreach (var link in links.Links.OrderBy(l => l.Cluster, StringComparer.Ordinal))
        {
            var c = link.FederationConnected;
            results.Add(c.Status == "True"
                ? new(Category, $"link {link.Cluster}: federation connected", CheckStatus.Ok, link.FederationAddress)
                : new(Category, $"link {link.Cluster}: federation not connected", CheckStatus.Fail, $"{c.Reason}: {c.Message}",
                    $"check that cluster {link.Cluster}'s silo serves the federation API at {link.FederationAddress} (--federation), " +
                    $"that this machine reaches it, and that it allows this silo: on {link.Cluster} run `mesh multicluster allow {self}`"));
            if (Anchors(link, anchors) is { } anchor) results.Add(anchor);
            if (Gateway(link) is { } gateway) results.Add(gateway);
            foreach (var s in link.Services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
                results.Add(s.Reason switch
                {
                    "Mirrored" => new(Category, $"link {link.Cluster}: {s.Namespace}/{s.Name} mirrored", CheckStatus.Ok),
                    "NameConflict" => new(Category, $"link {link.Cluster}: {s.Namespace}/{s.Name} name conflict", CheckStatus.Fail, s.Message,
                        $"rename or delete the local {s.Name} in {s.Namespace}, or narrow the Link's selectors to leave {s.RemoteService} out"),
                    "MissingNamespace" => new(Category, $"link {link.Cluster}: {s.Namespace}/{s.Name} missing namespace", CheckStatus.Fail, s.Message,
                        $"apply this cluster's own resources to namespace {s.Namespace} (or stop exporting {s.RemoteService} there)"),
                    _ => new(Category, $"link {link.Cluster}: {s.Namespace}/{s.Name} not mirrored", CheckStatus.Fail, s.Message,
                        $"fix {s.RemoteService} in {s.Namespace} on cluster {link.Cluster}, or leave it out of the Link's selectors"),
                });
        }
        foreach (var group in links.Orphans.GroupBy(o => o.Source).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var cluster = group.Key["link/".Length..];
            results.Add(new(Category, $"orphans of {group.Key}", CheckStatus.Fail,
                $"{group.Count()} resource(s) but no Link {cluster}: " + string.Join(", ", group.Select(o => $"{o.Kind.ToLowerInvariant()} {o.Namespace}/{o.Name}")),
                $"mesh multicluster unlink {cluster}"));
        }
        return results;
    }

    /// <summary>The linked cluster's anchors (from its last snapshot) against this cluster's: none shared fails (mTLS
    /// between the clusters cannot work), some shared warns (an anchor rotation half done). Without a snapshot there is
    /// nothing to compare unless the stream failed because the peer's certificate chains to no anchor here.</summary>
    private static CheckResult? Anchors(LinkStatusRow link, IReadOnlyList<string> local)
    {
        var remote = link.RemoteTrustAnchorSha256 ?? [];
        if (remote.Count == 0)
            return link.FederationConnected is { Status: not "True" } c && c.Message.Contains("does not chain to a mesh trust anchor", StringComparison.Ordinal)
                ? new(Category, $"link {link.Cluster}: trust anchors differ", CheckStatus.Fail, c.Message, SharedAnchorFix(link.Cluster))
                : null;
        var shared = remote.Intersect(local, StringComparer.Ordinal).ToList();
        if (shared.Count == 0)
            return new(Category, $"link {link.Cluster}: trust anchors differ", CheckStatus.Fail,
                $"{link.Cluster} trusts {Short(remote)}, this cluster {Short(local)}", SharedAnchorFix(link.Cluster));
        if (shared.Count != remote.Count || shared.Count != local.Count)
            return new(Category, $"link {link.Cluster}: trust anchors partly shared", CheckStatus.Warn,
                $"{link.Cluster} trusts {Short(remote)}, this cluster {Short(local)}",
                $"an anchor rotation is half done: finish it on both clusters so each trusts exactly the anchors the other does");
        return new(Category, $"link {link.Cluster}: trust anchor shared", CheckStatus.Ok, Short(shared));
    }

    private static string SharedAnchorFix(string cluster) =>
        $"the clusters need one shared trust anchor: on {cluster}, create its issuer from this cluster's anchor " +
        $"(`mesh identity issuer --anchor-cert <data-dir>/ca/{Mesh.Identity.Ca.CertificateAuthority.AnchorCertFile} " +
        $"--anchor-key <data-dir>/ca/{Mesh.Identity.Ca.CertificateAuthority.AnchorKeyFile} --trust-domain <{cluster}'s trust domain> --force`) " +
        "and restart its silo, or the other way round";

    /// <summary>Fingerprints shortened to 16 hex digits: enough to tell anchors apart in one line.</summary>
    private static string Short(IEnumerable<string> fingerprints) =>
        string.Join(", ", fingerprints.Select(f => "sha256:" + f[..Math.Min(16, f.Length)]));

    /// <summary>A dead gateway fails with what to look at; a failing one that is still alive is a warning; a link
    /// without a gateway (flat mode only) has nothing to report.</summary>
    private static CheckResult? Gateway(LinkStatusRow link)
    {
        if (link.GatewayAlive is not { Reason: not "NoGateway" } g) return null;
        var gateway = link.GatewayAddress ?? $"cluster {link.Cluster}'s advertised gateway";
        if (g.Status != "True")
            return new(Category, $"link {link.Cluster}: gateway dead", CheckStatus.Fail, $"{g.Reason}: {g.Message}",
                $"check that cluster {link.Cluster}'s gateway (mesh-proxy gateway) runs and listens at {gateway}, that this machine reaches " +
                "that port, and that the gateway presents the identity the Link's gatewayIdentity names; mirrors through it stay not ready until a probe succeeds");
        return g.Reason == "ProbeFailing"
            ? new(Category, $"link {link.Cluster}: gateway probes failing", CheckStatus.Warn, g.Message,
                $"the gateway is still counted alive; look at cluster {link.Cluster}'s gateway at {gateway} before failureThreshold is reached")
            : new(Category, $"link {link.Cluster}: gateway alive", CheckStatus.Ok,
                link.GatewayLatencyMs is { } ms ? $"{gateway}, probe {ms.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture)} ms" : $"{gateway}, {g.Message}");
    }
}
