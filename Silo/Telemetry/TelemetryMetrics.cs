using System.Diagnostics.Metrics;

namespace Mesh.Silo.Telemetry;

/// <summary>The silo's own counters about proxy reports (meter <see cref="MeterName"/>): how many were recorded, were
/// retries, or were rejected — a proxy stuck sending bad reports shows up here, not only in its log.</summary>
internal sealed class TelemetryMetrics
{
    public const string MeterName = "Mesh.Silo.Telemetry";

    private readonly Counter<long> _reports;

    public TelemetryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _reports = meter.CreateCounter<long>("mesh.telemetry.reports", "{report}", "Stats reports received from proxies, by result");
    }

    public void Recorded() => _reports.Add(1, new KeyValuePair<string, object?>("result", "recorded"));
    public void Duplicate() => _reports.Add(1, new KeyValuePair<string, object?>("result", "duplicate"));
    public void Rejected() => _reports.Add(1, new KeyValuePair<string, object?>("result", "rejected"));
}
