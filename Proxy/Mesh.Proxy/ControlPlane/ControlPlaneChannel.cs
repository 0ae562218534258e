using Grpc.Net.Client;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.ControlPlane;

/// <summary>The one gRPC channel to the silo, shared by the discovery watches, Identity.Certify and (without mesh TLS)
/// Telemetry.Report.</summary>
internal sealed class ControlPlaneChannel : IDisposable
{
    public ControlPlaneChannel(ProxySettings settings)
    {
        // https:// = mesh TLS to the silo's identity under our trust anchors; http:// = h2c (development, fakes).
        var (address, handler) = Mesh.Identity.Client.ControlPlaneConnection.Create(settings.ControlAddress,
            Mesh.Identity.Client.ControlPlaneConnection.LoadTrust(settings.TrustAnchorsPath), settings.TrustDomain);
        handler.ConnectTimeout = TimeSpan.FromSeconds(3);
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(10);
        Channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
        Discovery = new Api.V1.Discovery.DiscoveryClient(Channel);
    }

    public GrpcChannel Channel { get; }

    /// <summary>Discovery.Watch / WatchInbound on <see cref="Channel"/>.</summary>
    public Api.V1.Discovery.DiscoveryClient Discovery { get; }

    public void Dispose() => Channel.Dispose();
}
