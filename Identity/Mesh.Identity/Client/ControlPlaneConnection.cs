using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Names;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Client;

/// <summary>How proxies and the CLI reach the silo's control gRPC (Discovery, Identity, Telemetry). An https:// address
/// means HTTP/2 over mesh TLS: the silo must present the silo identity under the given trust anchors (a client
/// without a certificate yet — a proxy before its first Certify — still connects; the silo asks but does not require
/// one). An http:// address is plain h2c, for development and for tests against a fake control plane.</summary>
public static class ControlPlaneConnection
{
    /// <summary>Namespace and service account of the silo's own identity.</summary>
    public const string SiloNamespace = "mesh", SiloServiceAccount = "silo";

    /// <summary>The SPIFFE id every silo of a trust domain presents on its control port.</summary>
    public static SpiffeId SiloIdentity(string trustDomain) => SpiffeId.Create(trustDomain, SiloNamespace, SiloServiceAccount);

    /// <summary>The address to give GrpcChannel (always http://: TLS, if any, happens in the handler) and the handler.</summary>
    /// <exception cref="InvalidOperationException">An https:// address without trust anchors; the message says how to fix it.</exception>
    public static (Uri Address, SocketsHttpHandler Handler) Create(Uri control, TrustBundle? trust, string trustDomain = SpiffeId.DefaultTrustDomain,
        MeshCredentialsHolder? credentials = null)
    {
        SocketsHttpHandler handler;
        var address = control;
        if (control.Scheme == Uri.UriSchemeHttps)
        {
            if (trust is null)
                throw new InvalidOperationException($"the control plane at {control} speaks mesh TLS: give its trust anchors " +
                    "(the silo writes them to <data-dir>/trust-anchors.pem)");
            handler = MeshTlsConnectCallback.CreateHandler(new MeshTlsClientOptions
            {
                TrustBundle = trust,
                Credentials = credentials ?? new MeshCredentialsHolder(),
                ExpectedIdentity = SiloIdentity(trustDomain).Uri,
            });
            address = new UriBuilder(control) { Scheme = Uri.UriSchemeHttp, Port = control.Port }.Uri;
        }
        else
        {
            handler = new SocketsHttpHandler { UseProxy = false };
        }
        // Many watches share the channel: beyond one connection's stream limit, open more.
        handler.EnableMultipleHttp2Connections = true;
        handler.ConnectTimeout = TimeSpan.FromSeconds(5);
        handler.KeepAlivePingDelay = TimeSpan.FromSeconds(15);
        handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
        return (address, handler);
    }

    /// <summary>The trust bundle at <paramref name="path"/>, or null when the file does not exist.</summary>
    public static TrustBundle? LoadTrust(string? path) => path is { Length: > 0 } && File.Exists(path) ? TrustBundle.Load(path) : null;
}
