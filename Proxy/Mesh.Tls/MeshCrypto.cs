namespace Mesh.Tls;

/// <summary>Every cryptographic choice of the mesh, in one place.</summary>
public static class MeshCrypto
{
}
