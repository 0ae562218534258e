namespace Mesh.Grains.Identity;

/// <summary>A token bucket: <c>burst</c> requests at once, refilled at <c>perMinute</c>. Not thread-safe (grain-owned).</summary>
internal sealed class CertifyRateLimiter(int burst, int perMinute, TimeProvider time)
{
    private double tokens = burst;
    private long last = time.GetTimestamp();

    public bool TryAcquire()
    {
        var now = time.GetTimestamp();
        tokens = Math.Min(burst, tokens + time.GetElapsedTime(last, now).TotalMinutes * perMinute);
        last = now;
        if (tokens < 1) return false;
        tokens -= 1;
        return true;
    }
}
