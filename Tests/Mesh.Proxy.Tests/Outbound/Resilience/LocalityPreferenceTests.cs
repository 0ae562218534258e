using CsCheck;
using Mesh.Proxy.Outbound.Resilience;

namespace Mesh.Proxy.Tests.Outbound.Resilience;

public sealed class LocalityPreferenceTests
{
    private static IReadOnlyList<string> Candidates(params string[] available) =>
        LocalityPreference.Candidates(available, e => !e.StartsWith("west/", StringComparison.Ordinal));

    [Fact]
    public void Candidates_LocalAndRemoteAvailable_OnlyLocal()
    {
        Assert.Equal(["a", "b"], Candidates("west/x", "a", "west/y", "b"));
    }

    [Fact]
    public void Candidates_NoLocalAvailable_SpillsToEveryRemote()
    {
        Assert.Equal(["west/x", "west/y"], Candidates("west/x", "west/y"));
    }

    [Fact]
    public void Candidates_AllLocal_TheInputItself()
    {
        string[] available = ["a", "b"];
        Assert.Same(available, LocalityPreference.Candidates(available, _ => true));
    }

    [Fact]
    public void Candidates_NothingAvailable_Empty()
    {
        Assert.Empty(Candidates());
    }

    private static readonly Gen<(int Id, bool Local)[]> Available = Gen.Select(Gen.Int[0, 1000], Gen.Bool).Array[0, 12];

    [Fact]
    public void Candidates_Property_LocalWhileAnyLocalElseAll_OrderKept()
    {
        Available.Sample(available =>
        {
            var picked = LocalityPreference.Candidates(available, e => e.Local);
            var expected = available.Any(e => e.Local) ? available.Where(e => e.Local) : available;
            return picked.SequenceEqual(expected);
        });
    }
}
