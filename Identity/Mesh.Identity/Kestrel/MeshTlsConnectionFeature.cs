using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Identity.Tls;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Mesh.Identity.Kestrel;

/// <summary>Exposes a finished mesh TLS handshake to Kestrel: ITlsConnectionFeature (without it Kestrel ignores ALPN and
/// silently speaks HTTP/1.1), the ALPN result, and the mesh-specific details.</summary>
internal sealed class MeshTlsConnectionFeature(MeshTlsStream stream) : ITlsConnectionFeature, ITlsApplicationProtocolFeature, IMeshTlsFeature
{
    private readonly ReadOnlyMemory<byte> _alpn = stream.ApplicationProtocol is { } p ? Encoding.ASCII.GetBytes(p) : ReadOnlyMemory<byte>.Empty;

    public X509Certificate2? ClientCertificate
    {
        get => stream.PeerCertificate;
        set => throw new NotSupportedException("the client certificate is fixed by the mesh TLS handshake");
    }

    public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(stream.PeerCertificate);

    public ReadOnlyMemory<byte> ApplicationProtocol => _alpn;

    public string? PeerIdentity => stream.PeerIdentity;

    public string NegotiatedGroup => stream.NegotiatedGroup;

    public string CipherSuite => stream.CipherSuite;

    string? IMeshTlsFeature.ApplicationProtocol => stream.ApplicationProtocol;
}
