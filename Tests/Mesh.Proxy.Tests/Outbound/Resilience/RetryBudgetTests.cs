using Mesh.Proxy.Outbound.Resilience;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.Outbound.Resilience;

public sealed class RetryBudgetTests
{
    private static int Drain(RetryBudget budget)
    {
        var n = 0;
        while (budget.TryWithdraw() && n < 100_000) n++;
        return n;
    }

    [Fact]
    public void TryWithdraw_NoRequests_AllowsTheMinimumOf10PerSecondOver10Seconds()
    {
        var budget = new RetryBudget(new FakeTimeProvider());
        Assert.Equal(100, Drain(budget));
    }

    [Fact]
    public void TryWithdraw_AfterRequests_Adds20PercentOfThem()
    {
        var budget = new RetryBudget(new FakeTimeProvider());
        for (var i = 0; i < 1000; i++) budget.Deposit();
        Assert.Equal(300, Drain(budget));
    }

    [Fact]
    public void TryWithdraw_WindowPassed_ForgetsOldRetriesAndRequests()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(time);
        for (var i = 0; i < 1000; i++) budget.Deposit();
        Assert.Equal(300, Drain(budget));
        time.Advance(TimeSpan.FromSeconds(11));
        Assert.Equal(100, Drain(budget));
    }

    [Fact]
    public void TryWithdraw_HalfTheWindowPassed_KeepsRecentRetriesCounted()
    {
        var time = new FakeTimeProvider();
        var budget = new RetryBudget(time);
        Assert.Equal(100, Drain(budget));
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(0, Drain(budget));
    }
}
