using Mesh.Abstractions;
using Mesh.Names;

namespace Mesh.Silo.Discovery;

/// <summary>The grain key of the Service a watch names ("ns/name"): its service, endpoint and profile feeds.</summary>
internal static class ServiceAuthorityKey
{
    extension(ServiceAuthority authority)
    {
        public string Key => MeshNames.Key(authority.Namespace, authority.Name);
    }
}
