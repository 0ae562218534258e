using System.Collections.Immutable;

namespace Mesh.Abstractions.Stats;

/// <summary>The windows stats are answered for (Linkerd's `stat` habits: 10s, 1m, 10m).</summary>
public static class StatsWindow
{
    public static readonly TimeSpan TenSeconds = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan TenMinutes = TimeSpan.FromMinutes(10);

    /// <summary>The longest window: how long grains keep data.</summary>
    public static TimeSpan Longest => TenMinutes;

    public static readonly ImmutableArray<string> ValidNames = ["10s", "1m", "10m"];

    /// <summary>Parses "10s" / "1m" / "10m" (null or empty → the default 1m).</summary>
    public static bool TryParse(string? text, out TimeSpan window)
    {
        window = (text ?? "").Trim() switch
        {
            "" or "1m" or "60s" => OneMinute,
            "10s" => TenSeconds,
            "10m" or "600s" => TenMinutes,
            _ => TimeSpan.Zero,
        };
        return window != TimeSpan.Zero;
    }

    public static string Name(TimeSpan window) =>
        window == TenSeconds ? "10s" : window == OneMinute ? "1m" : window == TenMinutes ? "10m" : $"{window.TotalSeconds:0}s";
}
