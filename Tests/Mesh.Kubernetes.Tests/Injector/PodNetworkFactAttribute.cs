namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>A test that builds pod network namespaces (<see cref="PodNetwork"/>): skipped, with the reason, on a host
/// where that cannot work (not root, no `ip`/`iptables`), rather than failing for a reason that is not the mesh's.</summary>
public sealed class PodNetworkFactAttribute : FactAttribute
{
    public PodNetworkFactAttribute()
    {
        if (PodNetwork.Unavailable is { } reason) Skip = reason;
    }
}
