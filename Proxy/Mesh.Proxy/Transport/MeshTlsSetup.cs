using Mesh.Proxy.Configuration;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;

namespace Mesh.Proxy.Transport;

/// <summary>Mesh TLS for this proxy: the trust anchors, the credentials Certify keeps fresh, and client/server options.
/// Enabled by MESH_PROXY_TRUST_ANCHORS; without it the hop between proxies is h2c (development only).</summary>
internal sealed record MeshTlsSetup(TrustBundle Trust, MeshCredentialsHolder Credentials, MeshTlsClientOptions Client, MeshTlsServerOptions Server)
{
    public static MeshTlsSetup? Create(ProxySettings settings, bool skipDataWaitWhenBusy)
    {
        if (string.IsNullOrEmpty(settings.TrustAnchorsPath)) return null;
        TrustBundle trust;
        try { trust = TrustBundle.Load(settings.TrustAnchorsPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or FormatException)
        {
            throw new IOException($"trust-anchors {settings.TrustAnchorsPath}: {e.Message}", e);
        }
        var credentials = new MeshCredentialsHolder();
        var exchange = settings.StrictPq ? MeshKeyExchangeMode.StrictPostQuantum : MeshKeyExchangeMode.Hybrid;
        return new MeshTlsSetup(
            trust,
            credentials,
            new MeshTlsClientOptions { Credentials = credentials, TrustBundle = trust, KeyExchange = exchange, SkipDataWaitWhenBusy = skipDataWaitWhenBusy },
            new MeshTlsServerOptions { Credentials = credentials, TrustBundle = trust, KeyExchange = exchange, ClientCertificateMode = ClientCertificateMode.Optional,
                SkipDataWaitWhenBusy = skipDataWaitWhenBusy,
                ApplicationProtocols = [Mesh.Identity.MeshCrypto.Alpn.Http2, Mesh.Identity.MeshCrypto.Alpn.Http11, Mesh.Identity.MeshCrypto.Alpn.Opaque] });
    }
}
