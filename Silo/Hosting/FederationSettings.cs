using System.Net;
using Mesh.Names;

namespace Mesh.Silo.Hosting;

/// <summary>The multicluster settings of <see cref="SiloSettings"/>, read and checked together: the federation
/// listener is off unless MESH_FEDERATION_ADDR is set, and then this cluster needs a name peers know it by.</summary>
internal sealed record FederationSettings(IPEndPoint? Federation, string? ClusterName, string ClusterDomain, Authority? Gateway,
    string? GatewayIdentity, TimeSpan Heartbeat)
{
    public static FederationSettings Load(Func<string, string?> get, int adminPort, int controlPort)
    {
        IPEndPoint? federation = null;
        if (get("MESH_FEDERATION_ADDR") is { } text)
        {
            if (!ListenAddress.TryParse(text, out var endpoint, out var error)) throw new SiloSettingsException($"MESH_FEDERATION_ADDR: {error}");
            if (endpoint.Port != 0 && (endpoint.Port == adminPort || endpoint.Port == controlPort))
                throw new SiloSettingsException($"MESH_FEDERATION_ADDR uses port {endpoint.Port}, which the admin or control listener has; give it its own (usually {KubernetesObjects.FederationPort})");
            federation = ListenAddress.ResolveFreePort(endpoint);
            while (federation.Port == adminPort || federation.Port == controlPort) federation = ListenAddress.ResolveFreePort(endpoint);
        }

        var name = get("MESH_CLUSTER_NAME");
        if (name is not null && !DnsLabel.IsValid(name))
            throw new SiloSettingsException($"MESH_CLUSTER_NAME='{name}' must be a DNS label (a-z, 0-9, '-', at most {DnsLabel.MaxLength}), e.g. west");
        if (federation is not null && name is null)
            throw new SiloSettingsException("MESH_FEDERATION_ADDR needs MESH_CLUSTER_NAME (--cluster-name): the name linked clusters know this one by, e.g. west");

        var domain = get("MESH_CLUSTER_DOMAIN") ?? NameDefaults.ClusterDomain;
        if (domain.Split('.').Any(l => !DnsLabel.IsValid(l)))
            throw new SiloSettingsException($"MESH_CLUSTER_DOMAIN='{domain}' must be a DNS name such as cluster.local");

        Authority? gateway = null;
        if (get("MESH_MULTICLUSTER_GATEWAY") is { } g)
        {
            if (!Authority.TryParse(g, defaultPort: null, out var a, out var error))
                throw new SiloSettingsException($"MESH_MULTICLUSTER_GATEWAY='{g}' is not host:port ({error}), e.g. 10.0.0.5:{MulticlusterNames.DefaultGatewayPort}");
            gateway = a;
        }
        var identity = get("MESH_MULTICLUSTER_GATEWAY_IDENTITY");
        if (identity is not null && !SpiffeId.TryParse(identity, out _))
            throw new SiloSettingsException($"MESH_MULTICLUSTER_GATEWAY_IDENTITY='{identity}' is not a mesh identity (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)");
        if ((gateway is null) != (identity is null))
            throw new SiloSettingsException("MESH_MULTICLUSTER_GATEWAY and MESH_MULTICLUSTER_GATEWAY_IDENTITY go together: where peers reach the gateway, and the identity it presents");

        var heartbeatMs = 5000;
        if (get("MESH_FEDERATION_HEARTBEAT_MS") is { } hb && (!int.TryParse(hb, out heartbeatMs) || heartbeatMs < 10))
            throw new SiloSettingsException($"MESH_FEDERATION_HEARTBEAT_MS='{hb}' must be a whole number of milliseconds ≥ 10");
        return new FederationSettings(federation, name, domain, gateway, identity, TimeSpan.FromMilliseconds(heartbeatMs));
    }
}
