using System.Net;
using System.Net.Sockets;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tls;

/// <summary>Entry points: wrap a connected transport in mesh TLS as client or server, or dial TCP and handshake.</summary>
public static class MeshTls
{
    /// <summary>Client handshake over <paramref name="transport"/>. Throws <see cref="MeshTlsException"/> (transport closed) on failure.</summary>
    public static async Task<MeshTlsStream> ConnectAsync(Stream transport, MeshTlsClientOptions options, CancellationToken cancellationToken = default, bool leaveOpen = false)
    {
        var credentials = options.Credentials.Current;
        var trust = options.EffectiveTrust;
        var state = new HandshakeState();
        var engine = new MeshTlsClientProtocol();
        var stream = new MeshTlsStream(transport, engine, state, options, isServer: false, leaveOpen);
        if (trust is null)
        {
            await FailEarlyAsync(transport, options, isServer: false, leaveOpen, "client has no trust bundle (no credentials yet and no TrustBundle set)").ConfigureAwait(false);
        }
        var peer = new MeshTlsClientPeer(options, credentials, trust!, state);
        await stream.HandshakeAsync(e => ((TlsClientProtocol)e).Connect(peer), cancellationToken).ConfigureAwait(false);
        return stream;
    }

    /// <summary>Server handshake over <paramref name="transport"/> with the newest credentials. Throws <see cref="MeshTlsException"/> on failure.</summary>
    public static async Task<MeshTlsStream> AcceptAsync(Stream transport, MeshTlsServerOptions options, CancellationToken cancellationToken = default, bool leaveOpen = false)
    {
        var credentials = options.Credentials.Current;
        var trust = options.EffectiveTrust;
        if (credentials is null || trust is null)
        {
            await FailEarlyAsync(transport, options, isServer: true, leaveOpen, "server has no certificate yet").ConfigureAwait(false);
        }
        var state = new HandshakeState();
        var engine = new MeshTlsServerProtocol();
        var stream = new MeshTlsStream(transport, engine, state, options, isServer: true, leaveOpen);
        var peer = new MeshTlsServerPeer(options, credentials!, trust!, state);
        await stream.HandshakeAsync(e => ((TlsServerProtocol)e).Accept(peer), cancellationToken).ConfigureAwait(false);
        return stream;
    }

    /// <summary>Dials <paramref name="endPoint"/> over TCP (no Nagle) and runs the client handshake.</summary>
    public static async Task<MeshTlsStream> ConnectAsync(EndPoint endPoint, MeshTlsClientOptions options, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endPoint.AddressFamily == AddressFamily.Unspecified ? AddressFamily.InterNetwork : endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return await ConnectAsync(new NetworkStream(socket, ownsSocket: true), options, cancellationToken).ConfigureAwait(false);
    }

    private static async Task FailEarlyAsync(Stream transport, MeshTlsOptions options, bool isServer, bool leaveOpen, string message)
    {
        options.Metrics.Failed(isServer, MeshTlsError.NoCredentials, TimeSpan.Zero);
        if (!leaveOpen) await transport.DisposeAsync().ConfigureAwait(false);
        throw new MeshTlsException(MeshTlsError.NoCredentials, message);
    }
}
