using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Names;

namespace Mesh.Silo.Federation;

/// <summary>The silo identities allowed to watch this cluster's exports: the FederationPeer resources in the control
/// plane's namespace (written through the catalog by `mesh multicluster allow`). Read on every check, so a removed
/// peer is refused from its next heartbeat on; nothing listed = everyone refused.</summary>
internal sealed class FederationAllowList(IGrainFactory grains, ILogger<FederationAllowList> logger)
{
    public async Task<bool> AllowsAsync(string identity)
    {
        var peers = await grains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).ListAsync(ResourceKinds.FederationPeer.Kind);
        foreach (var stored in peers)
        {
            FederationPeerResource peer;
            try { peer = ResourceJson.Deserialize<FederationPeerResource>(stored.Json); }
            catch (System.Text.Json.JsonException e)
            {
                // A stored peer that no longer reads allows nobody (fail closed); say which one.
                logger.LogWarning("federation: FederationPeer {Name} does not read ({Reason}); it allows nobody", stored.Name, e.Message);
                continue;
            }
            if (string.Equals(peer.Spec.Identity, identity, StringComparison.Ordinal)) return true;
        }
        return false;
    }
}
