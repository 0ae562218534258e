namespace Mesh.Abstractions.Resources;

/// <summary>Annotations the reconciler honours (see Resources/README.md for values and defaults).</summary>
public static class MeshAnnotations
{
    public const string RetryHttp = "retry.mesh.io/http";
    public const string RetryGrpc = "retry.mesh.io/grpc";
    public const string RetryLimit = "retry.mesh.io/limit";
    public const string RetryTimeout = "retry.mesh.io/timeout";
    public const string TimeoutRequest = "timeout.mesh.io/request";
    public const string TimeoutResponse = "timeout.mesh.io/response";
    public const string TimeoutIdle = "timeout.mesh.io/idle";
    public const string FailureAccrual = "balancer.mesh.io/failure-accrual";
    public const string FailureAccrualMaxFailures = "balancer.mesh.io/failure-accrual-consecutive-max-failures";
    public const string FailureAccrualMinPenalty = "balancer.mesh.io/failure-accrual-consecutive-min-penalty";
    public const string FailureAccrualMaxPenalty = "balancer.mesh.io/failure-accrual-consecutive-max-penalty";
    public const string FailureAccrualJitterRatio = "balancer.mesh.io/failure-accrual-consecutive-jitter-ratio";
    /// <summary>On a Service: <see cref="LocalityPreferLocal"/> sends every request to endpoints in this cluster while
    /// any is available and spills to remote-cluster endpoints only when none is; <see cref="LocalityNone"/> (the
    /// default) balances over all.</summary>
    public const string BalancerLocality = "balancer.mesh.io/locality";
    public const string LocalityPreferLocal = "prefer-local";
    public const string LocalityNone = "none";

    /// <summary>Whether a Service's annotations ask its callers to keep to this cluster's endpoints while any is
    /// available (the parser rejects values other than <see cref="LocalityPreferLocal"/> and <see cref="LocalityNone"/>).</summary>
    public static bool PrefersLocal(IReadOnlyDictionary<string, string> annotations) =>
        annotations.TryGetValue(BalancerLocality, out var v) && v == LocalityPreferLocal;
    public const string OpaquePorts = "config.mesh.io/opaque-ports";
    public const string DefaultInboundPolicy = "config.mesh.io/default-inbound-policy";
    /// <summary>On a Workload: seconds it lives unless re-applied (`mesh run` renews it); absent = never expires.</summary>
    public const string WorkloadLease = "lease.mesh.io/seconds";

    /// <summary>Prefixes reserved for mesh annotations: an unknown key under one of them is a typo and rejected.</summary>
    public static readonly string[] ReservedPrefixes = ["retry.mesh.io/", "timeout.mesh.io/", "balancer.mesh.io/", "config.mesh.io/"];
}
