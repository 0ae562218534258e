using System.Collections.Immutable;
using CsCheck;
using Mesh.Proxy.Outbound;

namespace Mesh.Proxy.Tests.Outbound;

public sealed class BackendFailoverTests
{
    private static ImmutableArray<CompiledBackend> Backends(params (string Name, uint Weight)[] b) =>
        [.. b.Select(x => new CompiledBackend(x.Name, x.Weight, CompiledFilters.None))];

    private static Func<string, bool> Up(params string[] up) => a => up.Contains(a);

    private static Dictionary<string, int> Spread(ImmutableArray<CompiledBackend> backends, Func<string, bool> up, int rolls = 1000) =>
        Enumerable.Range(0, rolls).Select(i => BackendFailover.Pick(backends, up, i)!.Authority)
            .GroupBy(a => a).ToDictionary(g => g.Key, g => g.Count());

    [Fact]
    public void Pick_PrimaryHasEndpoints_AllToPrimary()
    {
        var b = Backends(("books", 100), ("books-west", 0));
        Assert.Equal(new Dictionary<string, int> { ["books"] = 1000 }, Spread(b, Up("books", "books-west")));
    }

    [Fact]
    public void Pick_PrimaryEmpty_AllToStandby()
    {
        var b = Backends(("books", 1), ("books-west", 0));
        Assert.Equal(new Dictionary<string, int> { ["books-west"] = 1000 }, Spread(b, Up("books-west")));
    }

    [Fact]
    public void Pick_WeightedBackendEmpty_ItsShareGoesToTheOthers()
    {
        var b = Backends(("books", 100), ("books-west", 50));
        Assert.Equal(new Dictionary<string, int> { ["books-west"] = 1000 }, Spread(b, Up("books-west")));
        var both = Spread(b, Up("books", "books-west"), 150);
        Assert.Equal(100, both["books"]);
        Assert.Equal(50, both["books-west"]);
    }

    [Fact]
    public void Pick_SeveralStandbys_ShareEvenlyWhenPrimaryEmpty()
    {
        var b = Backends(("books", 5), ("east", 0), ("west", 0));
        Assert.Equal(new Dictionary<string, int> { ["east"] = 500, ["west"] = 500 }, Spread(b, Up("east", "west")));
    }

    [Fact]
    public void Pick_NothingAvailable_WeightedPickOverPrimariesOnly()
    {
        var b = Backends(("books", 3), ("v2", 1), ("standby", 0));
        var spread = Spread(b, Up(), 400);
        Assert.Equal(300, spread["books"]);
        Assert.Equal(100, spread["v2"]);
        Assert.False(spread.ContainsKey("standby"));
    }

    [Fact]
    public void Pick_AllWeightsZero_ReturnsNull()
    {
        Assert.Null(BackendFailover.Pick(Backends(("a", 0), ("b", 0)), Up("a", "b"), 7));
        Assert.Null(BackendFailover.Pick(Backends(), Up(), 7));
    }

    [Fact]
    public void Pick_SingleBackend_NeverAsksAvailability()
    {
        var asked = 0;
        var picked = BackendFailover.Pick(Backends(("books", 1)), _ => { asked++; return false; }, 3);
        Assert.Equal("books", picked!.Authority);
        Assert.Equal(0, asked);
    }

    private static readonly Gen<(ImmutableArray<CompiledBackend> Backends, bool[] Up, int Roll)> Case =
        Gen.Select(Gen.UInt[0, 5], Gen.Bool).Array[1, 6]
            .Select(Gen.Int[0, int.MaxValue], (bs, roll) => (
                Backends: bs.Select((b, i) => new CompiledBackend($"b{i}", b.Item1, CompiledFilters.None)).ToImmutableArray(),
                Up: bs.Select(b => b.Item2).ToArray(),
                Roll: roll));

    [Fact]
    public void Pick_Property_NeverPicksAnEmptyBackendWhileAnotherHasEndpoints()
    {
        Case.Sample(c =>
        {
            var picked = BackendFailover.Pick(c.Backends, a => c.Up[int.Parse(a[1..])], c.Roll);
            var anyPrimary = c.Backends.Any(b => b.Weight > 0);
            if (!anyPrimary) return picked is null;
            if (picked is null) return false;
            var i = c.Backends.IndexOf(picked);
            var anyUp = c.Up.Any(u => u);
            var anyUpPrimary = c.Backends.Where((b, j) => b.Weight > 0 && c.Up[j]).Any();
            if (anyUpPrimary) return c.Up[i] && picked.Weight > 0;   // a standby never steals from a live primary
            if (anyUp) return c.Up[i] && picked.Weight == 0;          // only standbys are up
            return picked.Weight > 0;                                 // nothing up: the plain weighted pick
        });
    }

    [Fact]
    public void Pick_Property_AvailablePrimariesKeepTheirWeightRatio()
    {
        Case.Sample(c =>
        {
            Func<string, bool> up = a => c.Up[int.Parse(a[1..])];
            var live = c.Backends.Where((b, j) => b.Weight > 0 && c.Up[j]).ToArray();
            if (live.Length == 0) return true;
            var total = (int)live.Sum(b => b.Weight);
            // One full cycle of rolls gives each live primary exactly its weight.
            var counts = Enumerable.Range(0, total).Select(r => BackendFailover.Pick(c.Backends, up, r)!).GroupBy(b => b).ToDictionary(g => g.Key, g => g.Count());
            return live.All(b => counts.GetValueOrDefault(b) == (int)b.Weight);
        });
    }
}
