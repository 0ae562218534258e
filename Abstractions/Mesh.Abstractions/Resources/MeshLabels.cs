namespace Mesh.Abstractions.Resources;

/// <summary>Labels with a meaning to the mesh.</summary>
public static class MeshLabels
{
    /// <summary>On a Service: "true" exports it to linked clusters; multicluster gateways accept traffic only for exported
    /// services.</summary>
    public const string Exported = "mirror.mesh.io/exported";
}
