using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Mesh.Identity.Metrics;

namespace Mesh.Identity.Tests;

/// <summary>Collects measurements of one <see cref="MeshTlsMetrics"/> instance (tests run in parallel, so never the shared one).</summary>
internal sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Name, long Value, Dictionary<string, string?> Tags)> _measurements = new();

    public MetricsRecorder(MeshTlsMetrics metrics)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var dict = new Dictionary<string, string?>();
            foreach (var tag in tags) dict[tag.Key] = tag.Value?.ToString();
            _measurements.Enqueue((instrument.Name, value, dict));
        });
        _listener.Start();
    }

    /// <summary>Sum of <paramref name="name"/> over measurements whose tags include all of <paramref name="tags"/>.</summary>
    public long Sum(string name, params (string Key, string Value)[] tags) =>
        _measurements.Where(m => m.Name == name && tags.All(t => m.Tags.TryGetValue(t.Key, out var v) && v == t.Value)).Sum(m => m.Value);

    /// <summary>Polls until <paramref name="name"/> reaches <paramref name="expected"/> or the deadline passes.</summary>
    public async Task<long> WaitForAsync(long expected, string name, params (string Key, string Value)[] tags)
    {
        var deadline = DateTime.UtcNow + Loopback.Deadline;
        while (DateTime.UtcNow < deadline)
        {
            var sum = Sum(name, tags);
            if (sum >= expected) return sum;
            await Task.Delay(20);
        }
        return Sum(name, tags);
    }

    public void Dispose() => _listener.Dispose();
}
