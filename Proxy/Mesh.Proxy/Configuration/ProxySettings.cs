using Mesh.Names;
using System.Collections.Immutable;
using System.Net;

namespace Mesh.Proxy.Configuration;

/// <summary>Everything the proxy is told at start, from MESH_PROXY_* environment variables and command-line flags.</summary>
public sealed record ProxySettings
{
    public ProxyMode Mode { get; init; } = ProxyMode.Sidecar;
    public string Namespace { get; init; } = "default";
    public string Workload { get; init; } = "";
    public string ServiceAccount { get; init; } = "";
    /// <summary>Inbound listener; port 0 picks a free one.</summary>
    public IPEndPoint InboundAddress { get; init; } = new(IPAddress.Any, 4143);
    public IPEndPoint OutboundAddress { get; init; } = new(IPAddress.Loopback, 4140);
    public IPEndPoint AdminAddress { get; init; } = new(IPAddress.Loopback, 4191);
    /// <summary>Where inbound forwards: the app's host (always local) and, optionally, its single default port.</summary>
    public IPAddress AppHost { get; init; } = IPAddress.Loopback;
    public int? AppPort { get; init; }
    public Uri ControlAddress { get; init; } = new("https://127.0.0.1:8086");
    public string? Token { get; init; }
    public string? TokenFile { get; init; }
    public string? TrustAnchorsPath { get; init; }
    /// <summary>Trust domain of this workload's identity and of the silo's (<c>spiffe://&lt;td&gt;/ns/mesh/sa/silo</c>).</summary>
    public string TrustDomain { get; init; } = SpiffeId.DefaultTrustDomain;
    public bool StrictPq { get; init; }
    public DefaultInboundPolicy DefaultInboundPolicy { get; init; } = DefaultInboundPolicy.AllUnauthenticated;
    public ImmutableHashSet<int> OpaquePorts { get; init; } = [];
    public bool Transparent { get; init; }
    public LogLevel LogLevel { get; init; } = LogLevel.Warning;
    /// <summary>OpenTelemetry collector (OTLP) that gets spans and metrics; null: no export (metrics stay on the admin port).</summary>
    public Uri? OtlpEndpoint { get; init; }
    /// <summary>How long an unused discovery watch is kept open.</summary>
    public TimeSpan WatchIdleTimeout { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Requests with no available endpoint wait this long for one before 503.</summary>
    public TimeSpan QueueTimeout { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>A client must send its protocol preface / request headers within this time (slowloris defence).</summary>
    public TimeSpan HeaderTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>Protocol detection gives up after this: in transparent mode the connection is then opaque TCP (a
    /// server-speaks-first protocol such as MySQL or SMTP), otherwise it is closed and counted.</summary>
    public TimeSpan DetectTimeout { get; init; } = TimeSpan.FromSeconds(10);
    /// <summary>How often golden-metric summaries are sent to the control plane.</summary>
    public TimeSpan ReportInterval { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Services the workload serves ("name" or "ns/name"): inbound stats are attributed to them.</summary>
    public ImmutableArray<string> Services { get; init; } = [];
    /// <summary>How long in-flight requests get to finish on shutdown.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);
    public string ProxyId { get; init; } = $"{Environment.MachineName}-{Environment.ProcessId}";

    // init mode (iptables)
    public int ProxyUid { get; init; } = 2102;
    public ImmutableArray<int> SkipInboundPorts { get; init; } = [];
    public ImmutableArray<int> SkipOutboundPorts { get; init; } = [];
    public ImmutableArray<string> SkipSubnets { get; init; } = [];
    public bool Remove { get; init; }

    /// <summary>The SPIFFE id this proxy's workload has (empty without a service account).</summary>
    public string Identity => ServiceAccount.Length == 0 ? "" : SpiffeId.Format(TrustDomain, Namespace, ServiceAccount);
}
