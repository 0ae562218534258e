using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tls;

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
