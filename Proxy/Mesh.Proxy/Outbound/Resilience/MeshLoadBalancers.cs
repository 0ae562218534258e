namespace Mesh.Proxy.Outbound.Resilience;

/// <summary>Names of the mesh's YARP extension points, as written into cluster configs.</summary>
internal static class MeshLoadBalancers
{
    public const string PeakEwma = "MeshPeakEwma";
    public const string FailureAccrual = "MeshFailureAccrual";
}
