using System.Security.Cryptography;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Multicluster;
using ExportMode = Mesh.Abstractions.Multicluster.ExportMode;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Federation;

/// <summary>Translates this cluster's views into what a peer sees: an exported Service (null when its labels do not
/// export it, so nothing of an unexported Service leaves), and the cluster's own description.</summary>
internal static class ExportTranslator
{
    public static ExportedService? Service(ServiceView? service, EndpointSetView? endpoints)
    {
        if (service is null) return null;
        var export = ExportSelector.Classify(service.Labels);
        if (!export.Exported) return null;
        var result = new ExportedService
        {
            Namespace = service.Namespace,
            Name = service.Name,
            Mode = export.Mode switch
            {
                ExportMode.Gateway => Api.V1.ExportMode.Gateway,
                ExportMode.RemoteDiscovery => Api.V1.ExportMode.RemoteDiscovery,
                _ => Api.V1.ExportMode.None,
            },
            Federated = export.Federated,
        };
        foreach (var port in service.Ports)
            result.Ports.Add(new ExportedPort
            {
                Name = port.Name ?? "", Port = (uint)port.Port, TargetPort = port.TargetPort, AppProtocol = port.AppProtocol ?? "", Opaque = port.Opaque,
            });
        result.Labels.Add(service.Labels);
        result.Annotations.Add(service.Annotations);
        var all = endpoints?.Endpoints ?? [];
        result.ReadyEndpoints = (uint)all.Count(e => e.Ready);
        if (export.WithEndpoints)
            foreach (var e in all)
            {
                var endpoint = new ExportedEndpoint
                {
                    Workload = e.Workload, Address = e.Address, Identity = e.Identity ?? "", ProxyPort = (uint)(e.ProxyInboundPort ?? 0),
                    Zone = e.Zone ?? "", Weight = (uint)e.Weight, Ready = e.Ready,
                };
                foreach (var (name, number) in e.Ports) endpoint.Ports[name] = (uint)number;
                result.Endpoints.Add(endpoint);
            }
        return result;
    }

    public static ExportingCluster Cluster(SiloSettings settings, TrustBundle trust)
    {
        var cluster = new ExportingCluster
        {
            Name = settings.ClusterName ?? "", TrustDomain = settings.TrustDomain, ClusterDomain = settings.ClusterDomain,
            Gateway = new ExportingGateway(),
        };
        cluster.TrustAnchorSha256.Add(AnchorFingerprints(trust));
        if (settings.MulticlusterGateway is { } gateway)
        {
            cluster.Gateway.Address = gateway.Host;
            cluster.Gateway.Port = (uint)gateway.Port;
            cluster.Gateway.Identity = settings.MulticlusterGatewayIdentity ?? "";
        }
        return cluster;
    }

    /// <summary>SHA-256 of each anchor's DER, lowercase hex, sorted.</summary>
    public static IEnumerable<string> AnchorFingerprints(TrustBundle trust) =>
        trust.Anchors.Select(a => Convert.ToHexStringLower(SHA256.HashData(a.RawData))).Order(StringComparer.Ordinal);
}
