using Mesh.Api.V1;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Inbound;

/// <summary>The inbound policy in force, the one source for inbound HTTP, opaque TCP and the gateway: the control
/// plane's for this workload (the last one it knew, kept through outages and exists=false, see
/// <see cref="InboundPolicyWatch"/>), the proxy's --default-inbound-policy before that or when no workload is configured.</summary>
internal sealed class InboundPolicySource : IWatchReport, IDisposable
{
    private readonly CompiledInboundPolicy _unregistered;

    public InboundPolicySource(ProxySettings settings, ControlPlaneChannel controlPlane, InboundPolicyCompiler compiler, ProxyMetrics metrics,
        TimeProvider time, ILogger<InboundPolicyWatch> logger)
    {
        _unregistered = compiler.Compile(new InboundPolicy { Exists = false });
        if (settings.Workload.Length > 0)
            Watch = new InboundPolicyWatch(controlPlane.Discovery, settings.Namespace, settings.Workload, settings.ProxyId, compiler, metrics, time, logger);
    }

    /// <summary>The watch of this proxy's own inbound policy, or null when no workload is configured.</summary>
    public InboundPolicyWatch? Watch { get; }

    public CompiledInboundPolicy Policy => Watch?.Policy ?? _unregistered;

    public void Start() => Watch?.Start();

    /// <summary>With a workload, its watch says whether discovery is connected.</summary>
    bool? IWatchReport.Connected => Watch?.Connected;

    void IWatchReport.AddTo(StatsReport report) => report.InboundPolicyVersion = Watch?.SourceVersion ?? 0;

    public void Dispose() => Watch?.Dispose();
}
