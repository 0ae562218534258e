using Mesh.Api.V1;

namespace Mesh.Proxy.ControlPlane;

/// <summary>What a layer's control-plane watches tell the stats report (read once per report, never per request).
/// Implemented by the layers that own the watches (outbound services, the inbound policy), so the reporter, which sits
/// below them, never imports them.</summary>
internal interface IWatchReport
{
    /// <summary>Whether discovery is connected as these watches see it; null when they have no say (no such watch).</summary>
    bool? Connected { get; }

    /// <summary>Adds the silo view versions these watches reflect now.</summary>
    void AddTo(StatsReport report);
}
