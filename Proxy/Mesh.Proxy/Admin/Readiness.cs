using Mesh.Proxy.Configuration;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Inbound;

namespace Mesh.Proxy.Admin;

/// <summary>Why the proxy is not ready yet (null: ready): discovery of its own inbound policy must have answered.</summary>
internal sealed class Readiness(InboundPolicySource policies, ProxySettings settings, ProxyIdentity? identity = null)
{
    public string? Reason
    {
        get
        {
            if (identity?.NotReadyReason is { } notCertified) return notCertified;
            if (policies.Watch is { } inbound && !inbound.FirstUpdate.IsCompleted)
                return $"discovery: waiting for the inbound policy of {settings.Namespace}/{settings.Workload} from {settings.ControlAddress}";
            return null;
        }
    }

    /// <summary>Completes when the proxy becomes ready.</summary>
    public Task WhenReadyAsync(CancellationToken ct) =>
        Task.WhenAll(policies.Watch?.FirstUpdate ?? Task.CompletedTask, identity?.FirstCertified ?? Task.CompletedTask).WaitAsync(ct);
}
