using System.Net;

namespace Mesh.Proxy.Transport;

/// <summary>Connection feature: where the client meant to connect before iptables redirected it (SO_ORIGINAL_DST).</summary>
public sealed class OriginalDestinationFeature(IPEndPoint endPoint)
{
    public IPEndPoint EndPoint { get; } = endPoint;
}
