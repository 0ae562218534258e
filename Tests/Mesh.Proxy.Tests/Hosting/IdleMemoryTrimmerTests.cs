using Mesh.Proxy.Hosting;

namespace Mesh.Proxy.Tests.Hosting;

public sealed class IdleMemoryTrimmerTests
{
    private const long Mb = 1 << 20;

    [Fact]
    public void ShouldTrim_IdleIntervalAfterABurst_Trims()
    {
        var trimmer = new IdleMemoryTrimmer(TimeProvider.System);
        Assert.False(trimmer.ShouldTrim(100, 180 * Mb));   // first look: nothing to compare with
        Assert.True(trimmer.ShouldTrim(100, 180 * Mb));    // no GC for a whole interval, 180 MB committed
    }

    [Fact]
    public void ShouldTrim_UnderLoad_NeverTrims()
    {
        var trimmer = new IdleMemoryTrimmer(TimeProvider.System);
        for (var gcs = 100; gcs < 110; gcs++) Assert.False(trimmer.ShouldTrim(gcs, 200 * Mb));
    }

    [Fact]
    public void ShouldTrim_IdleAtTheIdleFootprint_NeverTrims()
    {
        var trimmer = new IdleMemoryTrimmer(TimeProvider.System);
        for (var i = 0; i < 5; i++) Assert.False(trimmer.ShouldTrim(7, 12 * Mb));
    }

    [Fact]
    public void ShouldTrim_AfterATrimThatLeftALargeLiveHeap_WaitsForGrowthBeyondIt()
    {
        var trimmer = new IdleMemoryTrimmer(TimeProvider.System);
        trimmer.ShouldTrim(100, 180 * Mb);
        Assert.True(trimmer.ShouldTrim(100, 180 * Mb));
        trimmer.Trimmed(101, 60 * Mb);                      // the trim's own GC, 60 MB still in use
        Assert.False(trimmer.ShouldTrim(101, 60 * Mb));     // idle, but nothing to give back: no GC every interval
        Assert.False(trimmer.ShouldTrim(101, 80 * Mb));
        Assert.True(trimmer.ShouldTrim(101, 100 * Mb));     // a new burst left 40 MB more
    }
}
