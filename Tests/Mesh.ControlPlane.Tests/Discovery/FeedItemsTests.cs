using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>How a discovery feed reads endpoint-set stream items: a delta only on top of the version right before it,
/// a whole set whenever it is newer, and anything else a gap (re-read the grain), never a guess.</summary>
public sealed class FeedItemsTests
{
    private static readonly EndpointSetView One = Views.Endpoints("books", Views.Workload("a", "127.0.0.11"));
    private static readonly EndpointSetView Two = Views.Endpoints("books", Views.Workload("a", "127.0.0.11"), Views.Workload("b", "127.0.0.12"));

    [Fact]
    public void EndpointChange_DeltaOnTheVersionBefore_TakesTheNextSet()
    {
        var (step, value) = FeedItems.EndpointChange(EndpointSetChange.Between(6, One, Two), new Versioned<EndpointSetView>(5, One));
        Assert.Equal(FeedStep.Take, step);
        Assert.Equal(6L, value!.Version);
        Assert.Equal(["a", "b"], value.Value.Endpoints.Select(e => e.Workload));
    }

    [Theory]
    [InlineData(4)] // versions 5 and 6 missed
    [InlineData(0)] // nothing held yet: nothing to apply a delta to
    public void EndpointChange_DeltaNotOnTheVersionBefore_IsAGap(long held)
    {
        var latest = held == 0 ? null : new Versioned<EndpointSetView>(held, One);
        Assert.Equal(FeedStep.Gap, FeedItems.EndpointChange(EndpointSetChange.Between(6, One, Two), latest).Item1);
    }

    [Fact]
    public void EndpointChange_DeltaThatDoesNotFitTheSetHeld_IsAGap()
    {
        // Same version number, other content (a removal of an endpoint the feed does not hold): re-read, not apply.
        var delta = EndpointSetChange.Between(6, Two, One);
        Assert.Equal(FeedStep.Gap, FeedItems.EndpointChange(delta, new Versioned<EndpointSetView>(5, One)).Item1);
    }

    [Fact]
    public void EndpointChange_WholeSetNewerOrDuplicate_TakenOrIgnored()
    {
        Assert.Equal(FeedStep.Take, FeedItems.EndpointChange(EndpointSetChange.Whole(9, Two), new Versioned<EndpointSetView>(5, One)).Item1);
        Assert.Equal(FeedStep.Ignore, FeedItems.EndpointChange(EndpointSetChange.Whole(5, Two), new Versioned<EndpointSetView>(5, One)).Item1);
        Assert.Equal(FeedStep.Ignore, FeedItems.EndpointChange(EndpointSetChange.Between(4, One, Two), new Versioned<EndpointSetView>(5, One)).Item1);
    }
}
