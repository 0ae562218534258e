using Mesh.Admin.Contract;
using Mesh.Cli.Commands;

namespace Mesh.Cli.Tests.Commands;

/// <summary>What `mesh multicluster check` and `gateways` make of the silo's link status: each failure with its fix.</summary>
public sealed class MulticlusterCheckTests
{
    private const string Self = "spiffe://east.mesh/ns/mesh/sa/silo";
    private static readonly DateTimeOffset At = DateTimeOffset.UnixEpoch;

    private static LinkStatusRow Link(string cluster, bool connected, params MirrorStatusInfo[] services) =>
        new(cluster, "10.0.0.5:8087", null,
            new LinkConditionInfo("FederationConnected", connected ? "True" : "False", connected ? "Connected" : "Unreachable",
                connected ? "watching" : "10.0.0.5:8087: connection refused", At),
            services, null);

    private static MirrorStatusInfo Mirror(string name, string reason) => new("shop", name, name.Split('-')[0], reason, $"{reason} message");

    [Fact]
    public void Evaluate_UnreachablePeer_FailsNamingTheAllowThePeerNeeds()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", connected: false)], []), Self);
        var failed = Assert.Single(results);
        Assert.Equal(CheckStatus.Fail, failed.Status);
        Assert.Contains("connection refused", failed.Detail);
        Assert.Contains($"mesh multicluster allow {Self}", failed.Fix);
    }

    [Fact]
    public void Evaluate_EachMirrorReason_HasItsOwnFix()
    {
        var results = MulticlusterCheckCommand.Evaluate(new LinksResponse([Link("west", connected: true,
            Mirror("books-west", "Mirrored"), Mirror("carts-west", "NameConflict"), Mirror("pay-west", "MissingNamespace"), Mirror("tax-west", "Error"))], []), Self);
        Assert.Equal([CheckStatus.Ok, CheckStatus.Ok, CheckStatus.Fail, CheckStatus.Fail, CheckStatus.Fail], results.Select(r => r.Status));
        Assert.Contains("rename or delete the local carts-west", results.Single(r => r.Name.Contains("carts-west")).Fix);
        Assert.Contains("apply this cluster's own resources to namespace shop", results.Single(r => r.Name.Contains("pay-west")).Fix);
        Assert.Equal("Error message", results.Single(r => r.Name.Contains("tax-west")).Detail);
    }

    [Fact]
    public void Evaluate_Orphans_FixIsUnlinkOfTheirCluster()
    {
        var result = Assert.Single(MulticlusterCheckCommand.Evaluate(new LinksResponse([],
            [new OwnedResource("link/north", "Service", "shop", "books-north"), new OwnedResource("link/north", "EndpointSlice", "shop", "books-north")]), Self));
        Assert.Equal(CheckStatus.Fail, result.Status);
        Assert.Contains("2 resource(s) but no Link north", result.Detail);
        Assert.Equal("mesh multicluster unlink north", result.Fix);
    }

    [Fact]
    public void Gateways_AliveFromFederationConnected_ServicesCountOnlyMirrored()
    {
        var rows = MulticlusterGatewaysCommand.Rows(new LinksResponse(
            [Link("west", true, Mirror("books-west", "Mirrored"), Mirror("carts-west", "NameConflict")), Link("north", false)], [])).ToList();
        Assert.Equal([["north", "no", "0", "-"], ["west", "yes", "1", "-"]], rows);
    }
}
