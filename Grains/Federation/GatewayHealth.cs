namespace Mesh.Grains.Federation;

/// <summary>A link's gateway liveness, decided from its probes: <c>failureThreshold</c> failures in a row make it
/// dead, one success makes it alive again. A fresh activation starts alive (<see cref="Assumed"/>): a silo restart
/// must not take the mirrors' endpoints down before a probe has said anything (no fail-fast window).</summary>
public sealed record GatewayHealth(bool Alive, int Failures, TimeSpan? Latency, string Reason, string Message)
{
    public static class Reasons
    {
        /// <summary>No probe answered yet in this activation: assumed alive.</summary>
        public const string NotProbedYet = "NotProbedYet";
        public const string ProbeSucceeded = "ProbeSucceeded";
        /// <summary>Failing, but fewer times in a row than the threshold: still alive.</summary>
        public const string ProbeFailing = "ProbeFailing";
        /// <summary>Failed the threshold times in a row: the mirrors' endpoints are not ready.</summary>
        public const string ProbeFailed = "ProbeFailed";
        /// <summary>Neither the Link nor the cluster names a gateway (flat-mode mirrors only): nothing to probe.</summary>
        public const string NoGateway = "NoGateway";
    }

    public static GatewayHealth Assumed { get; } =
        new(true, 0, null, Reasons.NotProbedYet, "no probe has answered yet; the gateway is assumed alive until probes fail");

    public static GatewayHealth NoGateway { get; } =
        new(true, 0, null, Reasons.NoGateway, "neither the Link nor the linked cluster names a gateway: nothing to probe (flat-mode mirrors only)");

    /// <summary>The health after one more probe of <paramref name="gateway"/>. <see cref="Latency"/> stays the last
    /// successful probe's.</summary>
    public GatewayHealth Observe(GatewayProbeResult probe, int failureThreshold, GatewayTarget gateway, string path)
    {
        if (probe.Ok)
            return new(true, 0, probe.Latency, Reasons.ProbeSucceeded,
                $"GET {path} through {gateway} answered in {probe.Latency.TotalMilliseconds:0.#} ms");
        var failures = Failures + 1;
        var alive = failures < failureThreshold;
        return new(alive, failures, Latency, alive ? Reasons.ProbeFailing : Reasons.ProbeFailed,
            $"{failures} probe(s) in a row failed (threshold {failureThreshold}): GET {path} through {gateway}: {probe.Error}" +
            (alive ? "" : "; the mirrors' gateway endpoints are not ready until a probe succeeds"));
    }
}
