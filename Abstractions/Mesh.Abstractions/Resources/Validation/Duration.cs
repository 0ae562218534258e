using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>Gateway API durations: ^([0-9]{1,5}(h|m|s|ms)){1,4}$ (e.g. "10s", "1m30s", "500ms").
/// Annotations use the same format so one rule covers every duration a user writes.</summary>
internal static partial class Duration
{
    [GeneratedRegex("^([0-9]{1,5}(h|m|s|ms)){1,4}$")] private static partial Regex Pattern();
    [GeneratedRegex("([0-9]{1,5})(h|ms|m|s)")] private static partial Regex Part();

    public static bool TryParse(string s, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (!Pattern().IsMatch(s)) return false;
        foreach (Match m in Part().Matches(s))
        {
            var n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            value += m.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(n),
                "m" => TimeSpan.FromMinutes(n),
                "s" => TimeSpan.FromSeconds(n),
                _ => TimeSpan.FromMilliseconds(n),
            };
        }
        return true;
    }

    public static TimeSpan Parse(string s) => TryParse(s, out var v) ? v : throw new FormatException($"\"{s}\" is not a duration");
}
