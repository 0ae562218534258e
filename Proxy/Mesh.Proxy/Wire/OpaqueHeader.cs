using System.Globalization;
using System.Text;

namespace Mesh.Proxy.Wire;

/// <summary>The opaque-TCP transport header a proxy sends before the raw bytes: "MESH-OPAQUE port\r\n" to a sidecar,
/// "MESH-OPAQUE port authority\r\n" to a multicluster gateway (which resolves the authority in its own cluster).</summary>
internal static class OpaqueHeader
{
    public static readonly byte[] Magic = "MESH-OPAQUE "u8.ToArray();

    /// <summary>Longest transport header: the magic, a port, a 253-character name and a port.</summary>
    public const int MaxLength = 288;

    public static byte[] Create(int targetPort, string authority = "") => Encoding.ASCII.GetBytes(authority.Length == 0
        ? $"MESH-OPAQUE {targetPort.ToString(CultureInfo.InvariantCulture)}\r\n"
        : $"MESH-OPAQUE {targetPort.ToString(CultureInfo.InvariantCulture)} {authority}\r\n");
}
