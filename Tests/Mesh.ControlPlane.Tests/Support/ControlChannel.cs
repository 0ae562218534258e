using Grpc.Net.Client;
using Mesh.Tls.Client;

namespace Mesh.ControlPlane.Tests.Support;

/// <summary>A gRPC channel to a silo's control port the way proxies make one: mesh TLS (https://) checked against
/// the trust anchors the silo published in its data dir, or h2c for http://.</summary>
internal static class ControlChannel
{
    public static GrpcChannel For(Uri control, string dataDir)
    {
        var (address, handler) = ControlPlaneConnection.Create(control,
            ControlPlaneConnection.LoadTrust(Path.Combine(dataDir, "trust-anchors.pem")));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>An HttpClient speaking HTTP/2 to the control port (for non-gRPC probes of it).</summary>
    public static HttpClient Http(Uri control, string dataDir)
    {
        var (address, handler) = ControlPlaneConnection.Create(control,
            ControlPlaneConnection.LoadTrust(Path.Combine(dataDir, "trust-anchors.pem")));
        return new HttpClient(handler) { BaseAddress = address, DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
    }
}
