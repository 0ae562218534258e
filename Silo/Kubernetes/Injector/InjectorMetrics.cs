using System.Diagnostics.Metrics;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>Instruments of the proxy injector (meter "Mesh.Silo.Injector"): admissions by outcome (injected, skipped,
/// invalid — the pod's annotations or spec are wrong — and error — the injector could not decide and admitted the pod
/// unchanged).</summary>
internal sealed class InjectorMetrics : IDisposable
{
    public const string MeterName = "Mesh.Silo.Injector";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _admissions;

    public InjectorMetrics() =>
        _admissions = _meter.CreateCounter<long>("injector_admissions_total", description: "AdmissionReviews answered, by outcome");

    public void Admitted(string outcome) => _admissions.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => _meter.Dispose();
}
