using Grpc.Net.Client;
using Mesh.Identity.Ca;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;

namespace Mesh.Silo.Federation;

/// <summary>How a silo reaches another cluster's federation API (what a Link's federationAddress and
/// federationIdentity name): HTTP/2 over mesh mTLS, presenting this silo's own certificate, and accepting only a server
/// that proves <paramref name="expectedIdentity"/> under <paramref name="trust"/> (the shared anchor).</summary>
public static class FederationChannel
{
    public static GrpcChannel Create(string address, string expectedIdentity, MeshCredentialsHolder credentials, TrustBundle? trust = null)
    {
        var handler = MeshTlsConnectCallback.CreateHandler(new MeshTlsClientOptions
        {
            Credentials = credentials,
            TrustBundle = trust,
            ExpectedIdentity = expectedIdentity,
        });
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        // A partition drops packets silently: no reset ends the stream, only an unanswered ping does. The exporting
        // side's heartbeats (every 5 s by default) keep a healthy stream from needing pings; a silent one is pinged
        // after 5 s and given up 5 s later, so FederationConnected turns False within about 10 s.
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(5);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        // TLS happens in the handler's connect callback, so the channel's own scheme is http.
        return GrpcChannel.ForAddress($"http://{address}", new GrpcChannelOptions { HttpHandler = handler });
    }
}
