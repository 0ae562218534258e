using Mesh.Proxy.Outbound.Resilience;

namespace Mesh.Proxy.Tests.Outbound.Resilience;

public sealed class FailureAccrualTests
{
    private static readonly FailureAccrualSettings Defaults = FailureAccrualSettings.Default;

    [Fact]
    public void RecordFailure_SevenConsecutive_EjectsForAboutTheMinimumBackoff()
    {
        var accrual = new FailureAccrual();
        for (var i = 0; i < 6; i++) Assert.Null(accrual.RecordFailure(Defaults, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(1), accrual.RecordFailure(Defaults, 0.5));
    }

    [Fact]
    public void RecordFailure_SuccessInBetween_StartsCountingAgain()
    {
        var accrual = new FailureAccrual();
        for (var i = 0; i < 6; i++) accrual.RecordFailure(Defaults, 0.5);
        accrual.RecordSuccess();
        for (var i = 0; i < 6; i++) Assert.Null(accrual.RecordFailure(Defaults, 0.5));
    }

    [Fact]
    public void RecordFailure_OnProbationAfterEjection_EjectsAgainWithDoubledBackoff()
    {
        var accrual = new FailureAccrual();
        for (var i = 0; i < 7; i++) accrual.RecordFailure(Defaults, 0.5);
        Assert.Equal(TimeSpan.FromSeconds(2), accrual.RecordFailure(Defaults, 0.5));
        Assert.Equal(TimeSpan.FromSeconds(4), accrual.RecordFailure(Defaults, 0.5));
        accrual.RecordSuccess();
        for (var i = 0; i < 6; i++) Assert.Null(accrual.RecordFailure(Defaults, 0.5));
    }

    [Theory]
    [InlineData(0, 0.0, 750)]
    [InlineData(0, 1.0, 1250)]
    [InlineData(10, 0.5, 60000)]
    [InlineData(30, 1.0, 75000)]
    public void Backoff_JitterAndCap_StaysWithinBounds(int ejections, double random, double expectedMs)
    {
        Assert.Equal(expectedMs, FailureAccrual.Backoff(Defaults, ejections, random).TotalMilliseconds, 3);
    }

    [Fact]
    public void RecordFailure_ZeroConsecutiveFailures_NeverEjects()
    {
        var accrual = new FailureAccrual();
        var off = Defaults with { ConsecutiveFailures = 0 };
        for (var i = 0; i < 100; i++) Assert.Null(accrual.RecordFailure(off, 0.5));
    }
}
