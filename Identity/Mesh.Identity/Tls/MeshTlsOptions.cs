using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Identity.Metrics;

namespace Mesh.Identity.Tls;

/// <summary>Whether a server asks for a client certificate.</summary>
public enum ClientCertificateMode
{
    /// <summary>Do not ask (browsers, plain HTTPS).</summary>
    None,

    /// <summary>Ask; a client without one connects with a null peer identity (authorization decides later).</summary>
    Optional,

    /// <summary>Ask and fail the handshake without one.</summary>
    Required,
}

/// <summary>Settings shared by both sides.</summary>
public abstract class MeshTlsOptions
{
    /// <summary>Our certificate and key (newest taken per handshake) and, unless <see cref="TrustBundle"/> is set, the anchors we trust.</summary>
    public MeshCredentialsHolder Credentials { get; set; } = new();

    /// <summary>Anchors to validate the peer against; defaults to the current credentials' bundle.</summary>
    public TrustBundle? TrustBundle { get; set; }

    public MeshKeyExchangeMode KeyExchange { get; set; } = MeshKeyExchangeMode.Hybrid;

    /// <summary>Time allowed for the handshake; the connection is dropped after it.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = MeshCrypto.DefaultHandshakeTimeout;

    /// <summary>Clock for certificate validity checks.</summary>
    public TimeProvider Time { get; set; } = TimeProvider.System;

    public MeshTlsMetrics Metrics { get; set; } = MeshTlsMetrics.Shared;

    /// <summary>false: every read not following a full one first waits for data with a zero-byte transport read (idle
    /// connections hold no read buffer). true: that wait is skipped while the previous transport read found its data
    /// already there (a busy connection), saving a transport call per read.</summary>
    public bool SkipDataWaitWhenBusy { get; set; }

    internal TrustBundle? EffectiveTrust => TrustBundle ?? Credentials.Current?.TrustBundle;
}

/// <summary>Client side: who we expect to reach and which application protocols we offer.</summary>
public sealed class MeshTlsClientOptions : MeshTlsOptions
{
    /// <summary>The SPIFFE id the server must present (from discovery). Null accepts any identity under the trust bundle.</summary>
    public string? ExpectedIdentity { get; set; }

    /// <summary>ALPN names offered, in preference order.</summary>
    public IReadOnlyList<string> ApplicationProtocols { get; set; } = [MeshCrypto.Alpn.Http2];

    /// <summary>A copy for one connection with a different expected identity.</summary>
    public MeshTlsClientOptions WithExpectedIdentity(string? identity) => new()
    {
        Credentials = Credentials, TrustBundle = TrustBundle, KeyExchange = KeyExchange, HandshakeTimeout = HandshakeTimeout,
        Time = Time, Metrics = Metrics, SkipDataWaitWhenBusy = SkipDataWaitWhenBusy, ApplicationProtocols = ApplicationProtocols, ExpectedIdentity = identity,
    };
}

/// <summary>Server side: client-certificate policy and the application protocols we accept.</summary>
public sealed class MeshTlsServerOptions : MeshTlsOptions
{
    public ClientCertificateMode ClientCertificateMode { get; set; } = ClientCertificateMode.Optional;

    /// <summary>ALPN names accepted, in server preference order.</summary>
    public IReadOnlyList<string> ApplicationProtocols { get; set; } = [MeshCrypto.Alpn.Http2, MeshCrypto.Alpn.Http11];
}
