using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Mesh.Proxy.Telemetry;

/// <summary>Pull exporter that renders OpenTelemetry's aggregated metrics as Prometheus text (no reflection, AOT clean).</summary>
[ExportModes(ExportModes.Pull)]
internal sealed class PrometheusTextExporter : BaseExporter<Metric>, IPullMetricExporter
{
    private readonly Lock _gate = new();
    private StringBuilder? _target;

    public Func<int, bool>? Collect { get; set; }

    /// <summary>Collects now and returns the text exposition (version 0.0.4).</summary>
    public string Scrape()
    {
        lock (_gate)
        {
            _target = new StringBuilder(4096);
            try
            {
                Collect?.Invoke(5000);
                return _target.ToString();
            }
            finally { _target = null; }
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var sb = _target;
        if (sb is null) return ExportResult.Success;
        foreach (var metric in batch) Write(sb, metric);
        return ExportResult.Success;
    }

    private static void Write(StringBuilder sb, Metric metric)
    {
        var name = Sanitize(metric.Name);
        var type = metric.MetricType switch
        {
            MetricType.LongSum or MetricType.DoubleSum => "counter",
            MetricType.Histogram => "histogram",
            _ => "gauge",
        };
        sb.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            switch (metric.MetricType)
            {
                case MetricType.LongSum:
                case MetricType.LongSumNonMonotonic:
                    Line(sb, name, "", point, null).Append(point.GetSumLong().ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case MetricType.DoubleSum:
                case MetricType.DoubleSumNonMonotonic:
                    Line(sb, name, "", point, null).Append(Num(point.GetSumDouble())).Append('\n');
                    break;
                case MetricType.LongGauge:
                    Line(sb, name, "", point, null).Append(point.GetGaugeLastValueLong().ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
                case MetricType.DoubleGauge:
                    Line(sb, name, "", point, null).Append(Num(point.GetGaugeLastValueDouble())).Append('\n');
                    break;
                case MetricType.Histogram:
                    long cumulative = 0;
                    foreach (var bucket in point.GetHistogramBuckets())
                    {
                        cumulative += bucket.BucketCount;
                        var le = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : Num(bucket.ExplicitBound);
                        Line(sb, name, "_bucket", point, le).Append(cumulative.ToString(CultureInfo.InvariantCulture)).Append('\n');
                    }
                    Line(sb, name, "_sum", point, null).Append(Num(point.GetHistogramSum())).Append('\n');
                    Line(sb, name, "_count", point, null).Append(point.GetHistogramCount().ToString(CultureInfo.InvariantCulture)).Append('\n');
                    break;
            }
        }
    }

    private static StringBuilder Line(StringBuilder sb, string name, string suffix, in MetricPoint point, string? le)
    {
        sb.Append(name).Append(suffix);
        var first = true;
        foreach (var tag in point.Tags)
        {
            sb.Append(first ? '{' : ',');
            first = false;
            sb.Append(Sanitize(tag.Key)).Append("=\"");
            Escape(sb, Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "");
            sb.Append('"');
        }
        if (le is not null)
        {
            sb.Append(first ? '{' : ',').Append("le=\"").Append(le).Append('"');
            first = false;
        }
        if (!first) sb.Append('}');
        return sb.Append(' ');
    }

    /// <summary>Prometheus names allow [a-zA-Z0-9_:]; OpenTelemetry's dots become underscores.</summary>
    private static string Sanitize(string name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or ':'))
                return string.Create(name.Length, name, static (span, n) =>
                {
                    for (var i = 0; i < n.Length; i++) span[i] = char.IsAsciiLetterOrDigit(n[i]) || n[i] is '_' or ':' ? n[i] : '_';
                });
        }
        return name;
    }

    private static void Escape(StringBuilder sb, string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    private static string Num(double v) => double.IsPositiveInfinity(v) ? "+Inf" : v.ToString("R", CultureInfo.InvariantCulture);
}
