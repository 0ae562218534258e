using System.Globalization;
using System.Text;

namespace Mesh.Cli.Output;

/// <summary>Durations as people write them in YAML and flags ("500ms", "5s", "1m30s", "2h"), not TimeSpan's "00:00:05".</summary>
internal static class Durations
{
    public static string Human(TimeSpan span)
    {
        if (span == TimeSpan.Zero) return "0s";
        var sign = span < TimeSpan.Zero ? "-" : "";
        span = span.Duration();
        if (span < TimeSpan.FromSeconds(1))
            return sign + span.TotalMilliseconds.ToString("0.###", CultureInfo.InvariantCulture) + "ms";
        var text = new StringBuilder(sign);
        if (span.TotalHours >= 1) text.Append(((long)span.TotalHours).ToString(CultureInfo.InvariantCulture)).Append('h');
        if (span.Minutes > 0) text.Append(span.Minutes.ToString(CultureInfo.InvariantCulture)).Append('m');
        var seconds = span.Seconds + span.Milliseconds / 1000.0;
        if (seconds > 0) text.Append(seconds.ToString("0.###", CultureInfo.InvariantCulture)).Append('s');
        return text.ToString();
    }

    public static string? Human(TimeSpan? span) => span is { } s ? Human(s) : null;

    /// <summary>A TimeSpan the silo sent as JSON text ("00:00:05", "1.02:00:00") in human form; any other text as it came.</summary>
    public static string? Human(string? text) =>
        text is not null && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? Human(span) : text;
}
