namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>When an endpoint is ejected and for how long (Linkerd defaults: 7 failures, 1 s → 60 s, jitter 0.5).</summary>
internal sealed record FailureAccrualSettings(int ConsecutiveFailures, TimeSpan MinBackoff, TimeSpan MaxBackoff, double Jitter)
{
    public static readonly FailureAccrualSettings Default = new(7, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60), 0.5);

    public static FailureAccrualSettings From(Api.V1.FailureAccrual? p)
    {
        if (p is null) return Default;
        return new FailureAccrualSettings(
            p.ConsecutiveFailures == 0 && p.MinBackoffMs == 0 && p.MaxBackoffMs == 0 ? Default.ConsecutiveFailures : (int)p.ConsecutiveFailures,
            p.MinBackoffMs == 0 ? Default.MinBackoff : TimeSpan.FromMilliseconds(p.MinBackoffMs),
            p.MaxBackoffMs == 0 ? Default.MaxBackoff : TimeSpan.FromMilliseconds(p.MaxBackoffMs),
            p.JitterRatio is > 0 and <= 1 ? p.JitterRatio : Default.Jitter);
    }
}
