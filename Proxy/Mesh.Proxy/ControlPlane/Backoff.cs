namespace Mesh.Proxy.ControlPlane;

/// <summary>Exponential backoff with jitter for reconnecting to the control plane (100 ms → 10 s).</summary>
internal sealed class Backoff(TimeSpan min, TimeSpan max, double jitter = 0.5)
{
    private int _attempt;

    public static Backoff ForControlPlane() => new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(10));

    /// <summary>The delay before the next attempt; grows until <see cref="Reset"/>.</summary>
    public TimeSpan Next()
    {
        var exp = Math.Min(max.TotalMilliseconds, min.TotalMilliseconds * Math.Pow(2, Math.Min(_attempt++, 20)));
        var factor = 1 - jitter + Random.Shared.NextDouble() * jitter * 2;
        return TimeSpan.FromMilliseconds(Math.Min(max.TotalMilliseconds, exp * factor));
    }

    public void Reset() => _attempt = 0;
}
