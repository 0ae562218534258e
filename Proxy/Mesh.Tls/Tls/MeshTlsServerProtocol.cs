using Org.BouncyCastle.Tls;

namespace Mesh.Tls.Tls;

/// <summary>BouncyCastle's non-blocking TLS server engine, with one change: a handshake message whose fields run past
/// its end is answered with a fatal decode_error alert (RFC 8446 §6), as a malformed message must be.</summary>
/// <remarks>BouncyCastle's extension parsers (key_share entries, server_name, status_request, ALPN,
/// signature_algorithms, supported_groups) read with stream helpers that throw a bare <see cref="EndOfStreamException"/>
/// when a length overruns the data; the engine then raises internal_error. Messages are parsed from bytes already
/// received (non-blocking mode: the engine never touches the transport), so that exception here always means a
/// malformed message, never a closed connection: the transport's end is seen by <see cref="MeshTlsStream"/>.</remarks>
internal sealed class MeshTlsServerProtocol : TlsServerProtocol
{
    protected override void HandleHandshakeMessage(short type, HandshakeMessageInput buf)
    {
        try
        {
            base.HandleHandshakeMessage(type, buf);
        }
        catch (EndOfStreamException e)
        {
            throw DecodeError(type, e);
        }
    }

    internal static TlsFatalAlert DecodeError(short type, EndOfStreamException e) =>
        new(AlertDescription.decode_error, $"malformed {HandshakeType.GetText(type)}: a field runs past the end of the message", e);
}

/// <summary>The client engine with the same change: a ServerHello (or any later server message) whose fields run past
/// its end gets decode_error; and a ServerHello key share the hybrid agreement cannot split (shorter than its two parts)
/// gets illegal_parameter (draft-ietf-tls-ecdhe-mlkem §4), not internal_error.</summary>
/// <remarks>Beside the server's while Mesh.Tls moves folders (issue 15); the same reasoning applies, since the client
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
