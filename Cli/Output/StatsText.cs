using System.Globalization;

namespace Mesh.Cli.Output;

/// <summary>How golden metrics read in tables (Linkerd `viz stat` look): success as a percentage, RPS with one decimal,
/// latency in ms; "-" wherever the silo measured nothing (null), so no data never reads as 0.</summary>
internal static class StatsText
{
    public const string NoData = "-";

    /// <summary>A 0..1 rate as "99.50%".</summary>
    public static string Success(double? rate) =>
        rate is { } r ? (r * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%" : NoData;

    /// <summary>A 0..100 share as "100%".</summary>
    public static string Percent(double? percent) =>
        percent is { } p ? p.ToString("0.#", CultureInfo.InvariantCulture) + "%" : NoData;

    public static string Rps(double? rps) =>
        rps is { } r ? r.ToString("0.0", CultureInfo.InvariantCulture) + "rps" : NoData;

    /// <summary>"3ms"; one decimal below 10 ms, where the difference still means something.</summary>
    public static string Latency(double? ms) => ms switch
    {
        null => NoData,
        < 10 and var v => v.ToString("0.#", CultureInfo.InvariantCulture) + "ms",
        var v => Math.Round(v.Value).ToString("0", CultureInfo.InvariantCulture) + "ms",
    };

    public static string Count(long? count) => count?.ToString(CultureInfo.InvariantCulture) ?? NoData;
}
