namespace Mesh.Proxy.Transport;

/// <summary>Connection feature: the client has already said nothing for the whole detection timeout (seen by an
/// earlier stage), so protocol detection does not wait again.</summary>
internal sealed class SilentClientFeature
{
    public static readonly SilentClientFeature Instance = new();
}
