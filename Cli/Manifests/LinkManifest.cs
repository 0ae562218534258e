using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources;
using Mesh.Admin.Contract;
using Mesh.Names;

namespace Mesh.Cli.Manifests;

/// <summary>The Link another cluster applies to mirror this one, built from this silo's link info (its federation
/// address and identity, gateway, domains): YAML with comments saying what the other side must trust and allow.</summary>
internal static class LinkManifest
{
    /// <param name="federationAddress">Where the other cluster dials instead of the address the silo advertises (in
    /// Kubernetes mode the pod's IP; a LoadBalancer Service in front of the federation port has another).</param>
    /// <exception cref="CliException">This silo serves no federation API, or has no cluster name.</exception>
    public static string Build(LinkInfoResponse info, string? clusterName, string? federationAddress = null)
    {
        var name = clusterName ?? info.ClusterName
            ?? throw new CliException("this cluster has no name", hint: "pass --cluster-name NAME (the name the other cluster will know this one by), or start the silo with MESH_CLUSTER_NAME");
        if (!DnsLabel.IsValid(name))
            throw new CliException($"--cluster-name '{name}' is not a DNS label", hint: "use lowercase letters, digits and '-', e.g. west");
        if (info.FederationAddress is null)
            throw new CliException("this silo serves no federation API, so no cluster can link to it",
                hint: $"start it with MESH_FEDERATION_ADDR=0.0.0.0:{KubernetesObjects.FederationPort} MESH_CLUSTER_NAME={name} (mesh silo --federation … --cluster-name …)");

        var spec = new JsonObject
        {
            ["targetClusterName"] = name,
            ["targetClusterDomain"] = info.ClusterDomain,
            ["federationAddress"] = federationAddress ?? info.FederationAddress,
            ["federationIdentity"] = info.FederationIdentity,
        };
        if (info.GatewayAddress is not null)
        {
            spec["gatewayAddress"] = info.GatewayAddress;
            spec["gatewayPort"] = info.GatewayPort ?? MulticlusterNames.DefaultGatewayPort;
            spec["gatewayIdentity"] = info.GatewayIdentity;
        }
        var link = new JsonObject
        {
            ["apiVersion"] = ResourceKinds.Link.ApiVersion,
            ["kind"] = ResourceKinds.Link.Kind,
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = KubernetesObjects.Namespace },
            ["spec"] = spec,
        };
        var anchors = string.Join(", ", info.TrustAnchorSha256);
        return $"""
            # Link to cluster {name} (trust domain {info.TrustDomain}), from `mesh multicluster link-gen` there.
            # Apply it on the other cluster: `mesh apply -f -` (or `kubectl apply -f -`).
            # That cluster must trust this one's trust anchor (SHA-256 {anchors}): both share one anchor.
            # And {name} must allow that cluster's silo: run `mesh multicluster allow spiffe://<its trust domain>/ns/mesh/sa/silo` on {name}.

            """ + ResourceYaml.Render(link.ToJsonString());
    }
}
