using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tls;

/// <summary>BouncyCastle's non-blocking TLS client engine, with the change <see cref="MeshTlsServerProtocol"/> makes: a ServerHello (or any later server message) whose fields run past
/// its end gets decode_error; and a ServerHello key share the hybrid agreement cannot split (shorter than its two parts)
/// gets illegal_parameter (draft-ietf-tls-ecdhe-mlkem §4), not internal_error.</summary>
/// <remarks>The same reasoning as <see cref="MeshTlsServerProtocol"/>'s applies, since the client
/// engine is non-blocking too. BouncyCastle's <c>TlsHybridAgreement</c> is built by the engine itself, outside the
/// checked domains of <see cref="MeshTlsCrypto"/>, and rejects a short value with an ArgumentException on
/// <c>peerValue</c>: during a ServerHello that value can only be the server's key share.</remarks>
internal sealed class MeshTlsClientProtocol : TlsClientProtocol
{
    protected override void HandleHandshakeMessage(short type, HandshakeMessageInput buf)
    {
        try
        {
            base.HandleHandshakeMessage(type, buf);
        }
        catch (EndOfStreamException e)
        {
            throw MeshTlsServerProtocol.DecodeError(type, e);
        }
        catch (ArgumentException e) when (type == HandshakeType.server_hello && e.ParamName == "peerValue")
        {
            throw new TlsFatalAlert(AlertDescription.illegal_parameter, $"server key share is not a valid key: {e.Message}", e);
        }
    }
}
