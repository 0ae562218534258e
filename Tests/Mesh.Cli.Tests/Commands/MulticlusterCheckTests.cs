using Mesh.Admin.Contract;
using Mesh.Cli.Commands;

namespace Mesh.Cli.Tests.Commands;

/// <summary>What `mesh multicluster check` and `gateways` make of the silo's link status: each failure with its fix.</summary>
public sealed class MulticlusterCheckTests
{
    private const string Self = "spiffe://east.mesh/ns/mesh/sa/silo";
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;
    private const string Shared = "aa00000000000000000000000000000000000000000000000000000000000001",
        Other = "bb00000000000000000000000000000000000000000000000000000000000002";
    private static readonly string[] Anchors = [Shared];

    private static LinkStatusRow Link(string cluster, bool connected, params MirrorStatusInfo[] services) =>
        new(cluster, "10.0.0.5:8087", null,
            new LinkConditionInfo("FederationConnected", connected ? "True" : "False", connected ? "Connected" : "Unreachable",
                connected ? "watching" : "10.0.0.5:8087: connection refused", At),
            services, null);

    private static LinkStatusRow WithGateway(LinkStatusRow link, string status, string reason, double? latencyMs = null) => link with
    {
        GatewayAddress = "10.0.0.6",
        GatewayAlive = new LinkConditionInfo("GatewayAlive", status, reason, $"{reason}: GET /ready through 10.0.0.6:4143", At),
        GatewayLatencyMs = latencyMs,
    };

    private static MirrorStatusInfo Mirror(string name, string reason) => new("shop", name, name.Split('-')[0], reason, $"{reason} message");

    [Fact]
    public void Evaluate_UnreachablePeer_FailsNamingTheAllowThePeerNeeds()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", connected: false)], []), Self, Anchors);
        var failed = Assert.Single(results);
        Assert.Equal(CheckStatus.Fail, failed.Status);
        Assert.Contains("connection refused", failed.Detail);
        Assert.Contains($"mesh multicluster allow {Self}", failed.Fix);
    }

    [Fact]
    public void Evaluate_EachMirrorReason_HasItsOwnFix()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", connected: true,
            Mirror("books-west", "Mirrored"), Mirror("carts-west", "NameConflict"), Mirror("pay-west", "MissingNamespace"), Mirror("tax-west", "Error"))], []), Self, Anchors);
        Assert.Equal([CheckStatus.Ok, CheckStatus.Ok, CheckStatus.Fail, CheckStatus.Fail, CheckStatus.Fail], results.Select(r => r.Status));
        Assert.Contains("rename or delete the local carts-west", results.Single(r => r.Name.Contains("carts-west")).Fix);
        Assert.Contains("apply this cluster's own resources to namespace shop", results.Single(r => r.Name.Contains("pay-west")).Fix);
        Assert.Equal("Error message", results.Single(r => r.Name.Contains("tax-west")).Detail);
    }

    [Fact]
    public void Evaluate_Orphans_FixIsUnlinkOfTheirCluster()
    {
        var result = Assert.Single(MulticlusterCheckCommand.Evaluate(new LinksResponse([],
            [new OwnedResource("link/north", "Service", "shop", "books-north"), new OwnedResource("link/north", "EndpointSlice", "shop", "books-north")]), Self, Anchors));
        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("2 resource(s) but no Link north", result.Detail);
        Assert.Equal("mesh multicluster unlink north", result.Fix);
    }

    [Fact]
    public void Gateways_AliveAndLatencyFromTheProbe_ServicesCountOnlyMirrored()
    {
        var rows = MulticlusterGatewaysCommand.Rows(new LinksResponse(
        [
            WithGateway(Link("west", true, Mirror("books-west", "Mirrored"), Mirror("carts-west", "NameConflict")), "True", "ProbeSucceeded", 12.34),
            // Dead: the latency of an earlier success is not shown as if it were current.
            WithGateway(Link("north", true), "False", "ProbeFailed", 3),
            WithGateway(Link("south", true), "True", "NotProbedYet"),
            WithGateway(Link("flat", true), "True", "NoGateway"),
        ], [])).ToList();
        Assert.Equal([["flat", "-", "0", "-"], ["north", "no", "0", "-"], ["south", "yes", "0", "-"], ["west", "yes", "1", "12.3ms"]], rows);
    }

    [Fact]
    public void Evaluate_DeadGateway_FailsNamingTheGatewayToCheck()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([WithGateway(Link("west", connected: true), "False", "ProbeFailed")], []), Self, Anchors);
        Assert.Equal([CheckStatus.Ok, CheckStatus.Fail], results.Select(r => r.Status));
        var dead = results[1];
        Assert.Equal("link west: gateway dead", dead.Name);
        Assert.Contains("ProbeFailed", dead.Detail);
        Assert.Contains("listens at 10.0.0.6", dead.Fix);
        Assert.Contains("gatewayIdentity", dead.Fix);
    }

    [Fact]
    public void Evaluate_GatewayProbesFailingBelowThreshold_Warns_AliveIsOk_NoGatewayIsSilent()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse(
        [
            WithGateway(Link("east", true), "True", "ProbeFailing"),
            WithGateway(Link("flat", true), "True", "NoGateway"),
            WithGateway(Link("west", true), "True", "ProbeSucceeded", 4.5),
        ], []), Self, Anchors);
        Assert.Equal(
            ["link east: federation connected", "link east: gateway probes failing", "link flat: federation connected",
                "link west: federation connected", "link west: gateway alive"],
            results.Select(r => r.Name));
        Assert.Equal(CheckStatus.Warn, results[1].Status);
        Assert.Equal((CheckStatus.Ok, "10.0.0.6, probe 4.5 ms"), (results[4].Status, results[4].Detail));
    }

    [Fact]
    public void Evaluate_SameAnchors_OkNamingTheSharedAnchor()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", true) with { RemoteTrustAnchorSha256 = [Shared] }], []), Self, Anchors);
        Assert.Equal(["link west: federation connected", "link west: trust anchor shared"], results.Select(r => r.Name));
        Assert.Equal((CheckStatus.Ok, "sha256:aa00000000000000"), (results[1].Status, results[1].Detail));
    }

    [Fact]
    public void Evaluate_DifferentAnchors_FailsWithTheIssuerFromTheSharedAnchor()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", true) with { RemoteTrustAnchorSha256 = [Other] }], []), Self, Anchors);
        var differ = results.Single(r => r.Name == "link west: trust anchors differ");
        Assert.Equal(CheckStatus.Fail, differ.Status);
        Assert.Equal("west trusts sha256:bb00000000000000, this cluster sha256:aa00000000000000", differ.Detail);
        Assert.Contains("mesh identity issuer --anchor-cert <data-dir>/ca/trust-anchor.crt --anchor-key <data-dir>/ca/trust-anchor.key", differ.Fix);
    }

    [Fact]
    public void Evaluate_AnchorsPartlyShared_WarnsOfAHalfDoneRotation()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", true) with { RemoteTrustAnchorSha256 = [Shared, Other] }], []), Self, Anchors);
        var partly = results.Single(r => r.Name == "link west: trust anchors partly shared");
        Assert.Equal(CheckStatus.Warn, partly.Status);
        Assert.Contains("rotation", partly.Fix);
    }

    [Fact]
    public void Evaluate_StreamRefusedForAnUntrustedChain_FailsAsDifferentAnchors_OtherFailuresSayNothingOfAnchors()
    {
        var untrusted = Link("west", false) with
        {
            FederationConnected = new LinkConditionInfo("FederationConnected", "False", "Unreachable",
                "10.0.0.5:8087: peer certificate CN=west does not chain to a mesh trust anchor (UntrustedRoot)", At),
        };
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([untrusted, Link("north", false)], []), Self, Anchors);
        Assert.Equal(["link north: federation not connected", "link west: federation not connected", "link west: trust anchors differ"],
            results.Select(r => r.Name));
        Assert.Contains("mesh identity issuer", results[2].Fix);
    }
}
