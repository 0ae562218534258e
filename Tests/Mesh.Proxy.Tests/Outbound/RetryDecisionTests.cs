using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Outbound;
using Mesh.Proxy.Outbound.Resilience;
using Microsoft.Extensions.Time.Testing;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Tests.Outbound;

public sealed class RetryDecisionTests
{
    private static RetrySettings Retry5xx(uint limit = 1)
    {
        var policy = new RetryPolicy { Limit = limit };
        policy.Conditions.Add("5xx");
        return RetrySettings.From(policy);
    }

    /// <summary>No free retries per second: only deposits fund withdrawals (ratio 1: one retry per request).</summary>
    private static RetryBudget DepositFunded() => new(new FakeTimeProvider(), ratio: 1, minPerSecond: 0);

    [Fact]
    public void ShouldRetry_AfterASwallowedResponse_HasWithdrawnOnceForTheTry()
    {
        var budget = DepositFunded();
        budget.Deposit(); // room for two retries with the decision's own deposit
        var decision = new RetryDecision(Retry5xx(), budget);
        decision.BeginTry(0, replayable: true);

        Assert.True(decision.SwallowResponse(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)));
        Assert.True(decision.ShouldRetry(responseStarted: false, tryTimedOut: false, error: null));
        Assert.True(budget.TryWithdraw(), "one retry left: the try took exactly one");
        Assert.False(budget.TryWithdraw());
    }

    [Fact]
    public void SwallowResponse_BudgetExhausted_LetsTheResponseThroughAndDoesNotRetry()
    {
        var budget = DepositFunded();
        var decision = new RetryDecision(Retry5xx(), budget);
        Assert.True(budget.TryWithdraw()); // someone else took the decision's deposit
        decision.BeginTry(0, replayable: true);

        Assert.False(decision.SwallowResponse(new HttpResponseMessage(HttpStatusCode.BadGateway)));
        Assert.False(decision.ShouldRetry(responseStarted: false, tryTimedOut: false, error: null));
    }

    [Theory]
    [InlineData(1, true, false)]   // attempts used up
    [InlineData(0, false, false)]  // a body that cannot be replayed
    [InlineData(0, true, true)]
    public void ShouldRetry_ConnectFailure_RetriesOnlyWithAttemptsLeftAndAReplayableBody(int attempt, bool replayable, bool expected)
    {
        var decision = new RetryDecision(Retry5xx(limit: 1), DepositFunded());
        decision.BeginTry(attempt, replayable);
        Assert.Equal(expected, decision.ShouldRetry(responseStarted: false, tryTimedOut: false, ForwarderError.Request));
    }

    [Fact]
    public void ShouldRetry_ResponseAlreadyStarted_DoesNotRetryATimeout()
    {
        var decision = new RetryDecision(Retry5xx(), DepositFunded());
        decision.BeginTry(0, replayable: true);
        Assert.False(decision.ShouldRetry(responseStarted: true, tryTimedOut: true, error: null));
    }
}
