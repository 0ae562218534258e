using System.Collections.Immutable;

namespace Mesh.Abstractions.Stats;

/// <summary>Golden metrics of one service or one edge (key scheme in <see cref="StatsKeys"/>), aggregated over sliding
/// windows from proxy reports. Soft state: kept in memory only; a restarted silo starts empty and refills within one
/// window, as Prometheus would after a restart.</summary>
[Alias("mesh.IStatsGrain")]
public interface IStatsGrain : IGrainWithStringKey
{
    /// <summary>Records one slice; false (and nothing counted) when this (proxy, interval start) was already recorded.</summary>
    [Alias("Record")] Task<bool> RecordAsync(StatsSlice slice);

    /// <summary>Metrics over the last <paramref name="window"/> (at most <see cref="StatsWindow.Longest"/>).</summary>
    [Alias("Get")] Task<StatsSummary> GetAsync(TimeSpan window);

    /// <summary>Metrics over the window in steps of <paramref name="step"/>, oldest first.</summary>
    [Alias("Series")] Task<ImmutableArray<StatsPoint>> GetSeriesAsync(TimeSpan window, TimeSpan step);
}

/// <summary>Lists what the stats grains know: services, edges, and the status of every reporting proxy. One grain,
/// key <see cref="Key"/>. Soft state, like <see cref="IStatsGrain"/>.</summary>
[Alias("mesh.IStatsDirectoryGrain")]
public interface IStatsDirectoryGrain : IGrainWithStringKey
{
    public const string Key = "mesh";

    /// <summary>Notes a report: the proxy's status and the stats grain keys it touched. False when this
    /// (proxy, interval start) was already noted (the report is a retry).</summary>
    [Alias("Reported")] Task<bool> ReportedAsync(ProxyStatus status, ImmutableArray<string> statsKeys);

    [Alias("Get")] Task<StatsDirectory> GetAsync();
}
