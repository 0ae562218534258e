using System.Diagnostics;
using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Outbound.Resilience;

/// <summary>Retries within budget, failure accrual (ejection and healing), timeouts, through a real sidecar pair.</summary>
[Trait("Category", "E2E")]
public sealed class ResilienceTests : IAsyncLifetime
{
    private MeshTopology _mesh = null!;

    public async Task InitializeAsync() => _mesh = await MeshTopology.StartAsync();

    public async Task DisposeAsync() => await _mesh.DisposeAsync();

    private static ServiceProfile Profile(Action<ServiceProfile> configure)
    {
        var p = new ServiceProfile();
        configure(p);
        return p;
    }

    [Fact]
    public async Task FailingEndpoint_IsRetriedOnTheHealthyOne_ThenEjected_AndComesBackAfterHealing()
    {
        var good = await _mesh.AddServerAsync("good");
        var bad = await _mesh.AddServerAsync("bad");
        bad.App.FailStatus = 500;
        // The failing endpoint answers at once and the healthy one takes 20 ms, so Peak-EWMA always prefers the failing one
        // while it is in rotation: only failure accrual can take it out. (With both fast, which one a first slow answer
        // made look worse decided whether the bad endpoint was ever picked again: 1 hit, nothing to eject.)
        good.App.DelayMs = 20;
        var profile = Profile(p =>
        {
            p.Retry = new RetryPolicy { Limit = 2 };
            p.Retry.Conditions.Add("5xx");
            p.FailureAccrual = new FailureAccrual { ConsecutiveFailures = 3, MinBackoffMs = 500, MaxBackoffMs = 1000, JitterRatio = 0.1 };
        });
        _mesh.Discovery.SetService(MeshTopology.Books, [good.Endpoint(), bad.Endpoint()], profile);
        using var client = _mesh.HttpProxyClient();
        var started = Stopwatch.StartNew();
        for (var i = 0; i < 60; i++)
        {
            var r = await client.GetAsync("http://books.default:8080/");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        }
        // Ejected after 3 consecutive failures, then probed once per backoff (≥ 450 ms with jitter 0.1): however long the
        // 60 requests took, the bad endpoint saw 3 tries plus at most one probe per elapsed backoff.
        var probes = (int)Math.Ceiling(started.Elapsed.TotalMilliseconds / 450) + 1;
        Assert.InRange(bad.App.Hits, 3, 3 + probes);
        using var admin = new HttpClient();
        var metrics = await admin.GetStringAsync($"http://{_mesh.Client.Admin}/metrics");
        Assert.Contains("outbound_http_retry_total", metrics);
        Assert.Contains("outbound_endpoint_ejections_total", metrics);

        bad.App.FailStatus = 0;
        await Poll.UntilAsync(async () =>
        {
            var before = bad.App.Hits;
            for (var i = 0; i < 10; i++) (await client.GetAsync("http://books.default:8080/")).EnsureSuccessStatusCode();
            return bad.App.Hits > before;
        }, TimeSpan.FromSeconds(10), "the healed endpoint to get traffic again");
    }

    [Fact]
    public async Task RetryBudget_LimitsRetries_WhenEveryEndpointFails()
    {
        var bad = await _mesh.AddServerAsync("bad");
        bad.App.FailStatus = 503;
        var profile = Profile(p =>
        {
            p.Retry = new RetryPolicy { Limit = 3 };
            p.Retry.Conditions.Add("5xx");
            p.FailureAccrual = new FailureAccrual { ConsecutiveFailures = 0 };
        });
        // Accrual off (consecutive_failures 0 with explicit backoffs) so only the budget limits retries.
        profile.FailureAccrual.MinBackoffMs = 1000;
        _mesh.Discovery.SetService(MeshTopology.Books, [bad.Endpoint()], profile);
        using var client = _mesh.HttpProxyClient();
        for (var i = 0; i < 300; i++)
        {
            var r = await client.GetAsync("http://books.default:8080/");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.StatusCode);
        }
        // Budget: 10/s over 10 s (100) + 20 % of 300 requests (60) = at most 160 retries; 3 per request would be 900.
        var retries = bad.App.Hits - 300;
        Assert.InRange(retries, 100, 170);
    }

    [Fact]
    public async Task LargeBody_IsNotRetried_ButSmallBodyIsReplayed()
    {
        var bad = await _mesh.AddServerAsync("bad");
        bad.App.FailStatus = 502;
        var profile = Profile(p =>
        {
            p.Retry = new RetryPolicy { Limit = 1 };
            p.Retry.Conditions.Add("gateway-error");
            p.FailureAccrual = new FailureAccrual { ConsecutiveFailures = 0, MinBackoffMs = 1000 };
        });
        _mesh.Discovery.SetService(MeshTopology.Books, [bad.Endpoint()], profile);
        using var client = _mesh.HttpProxyClient();
        var small = await client.PostAsync("http://books.default:8080/", new ByteArrayContent(new byte[1000]));
        Assert.Equal(HttpStatusCode.BadGateway, small.StatusCode);
        Assert.Equal(2, bad.App.Hits);
        var large = await client.PostAsync("http://books.default:8080/", new ByteArrayContent(new byte[100_000]));
        Assert.Equal(HttpStatusCode.BadGateway, large.StatusCode);
        Assert.Equal(3, bad.App.Hits);
    }

    [Fact]
    public async Task RequestTimeout_Returns504()
    {
        var slow = await _mesh.AddServerAsync("slow");
        slow.App.DelayMs = 2000;
        _mesh.Discovery.SetService(MeshTopology.Books, [slow.Endpoint()], Profile(p => p.Timeouts = new Timeouts { RequestMs = 200 }));
        using var client = _mesh.HttpProxyClient();
        var started = DateTime.UtcNow;
        var r = await client.GetAsync("http://books.default:8080/");
        Assert.Equal(HttpStatusCode.GatewayTimeout, r.StatusCode);
        Assert.Equal("request-timeout", r.Headers.GetValues("mesh-error").Single());
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1.5));
    }

    [Fact]
    public async Task PerTryTimeout_RetriesOnAnotherEndpoint()
    {
        var slow = await _mesh.AddServerAsync("slow");
        var fast = await _mesh.AddServerAsync("fast");
        slow.App.DelayMs = 3000;
        var profile = Profile(p =>
        {
            p.Retry = new RetryPolicy { Limit = 1, PerTryTimeoutMs = 300 };
            p.Retry.Conditions.Add("5xx");
        });
        _mesh.Discovery.SetService(MeshTopology.Books, [slow.Endpoint(), fast.Endpoint()], profile);
        using var client = _mesh.HttpProxyClient();
        for (var i = 0; i < 6; i++)
        {
            var r = await client.GetAsync("http://books.default:8080/");
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("fast", await r.Content.ReadAsStringAsync());
        }
    }
}
