using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using Mesh.Proxy.Telemetry;
using Mesh.Identity.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Mesh.Proxy.Transport;

/// <summary>Inbound connection stage: a TLS ClientHello (first byte 0x16) is terminated as mesh mTLS and the peer's
/// identity published; anything else passes through as plaintext (unmeshed clients, where policy allows). ALPN h2 or
/// http/1.1 (the peer's HTTP/1.1 leg) tells Kestrel which protocol the connection speaks; the handshake runs on the
/// thread pool (<see cref="HandshakeOffloadStream"/>).</summary>
internal static class MeshTlsInbound
{
    private const byte TlsHandshakeRecord = 0x16;

    /// <param name="headerTimeout">How long a client may say nothing.</param>
    /// <param name="detectTimeout">The same for redirected (transparent) connections, which are then handed on as silent
    /// (a server-speaks-first protocol: protocol detection makes them opaque TCP).</param>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(MeshTlsServerOptions options, ProxyMetrics metrics, TimeSpan headerTimeout, TimeSpan detectTimeout) => next => async connection =>
    {
        var input = connection.Transport.Input;
        var redirected = connection.Features.Get<OriginalDestinationFeature>() is not null;
        ReadResult first;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(redirected ? detectTimeout : headerTimeout);
            try { first = await input.ReadAsync(timeout.Token); }
            catch (OperationCanceledException) when (redirected && !connection.ConnectionClosed.IsCancellationRequested)
            {
                connection.Features.Set(SilentClientFeature.Instance);
                await next(connection);
                return;
            }
            catch (OperationCanceledException) { metrics.BadInput(TelemetryNames.Inbound, "detect-timeout"); return; }
        }
        // A redirected connection (iptables sent it here from an app port) is never mesh TLS: meshed peers dial the
        // inbound port itself. A ClientHello on it is the app's own TLS, passed through untouched.
        var isTls = !redirected && !first.Buffer.IsEmpty && first.Buffer.FirstSpan[0] == TlsHandshakeRecord;
        input.AdvanceTo(first.Buffer.Start);
        if (!isTls)
        {
            await next(connection);
            return;
        }
        var original = connection.Transport;
        MeshTlsStream tls;
        var transport = new HandshakeOffloadStream(new Mesh.Identity.Kestrel.DuplexPipeStream(original));
        try
        {
            tls = await MeshTls.AcceptAsync(transport, options, connection.ConnectionClosed, leaveOpen: true);
            transport.Handshaking = false;
        }
        catch (Exception e) when (e is MeshTlsException or OperationCanceledException or IOException)
        {
            metrics.BadInput(TelemetryNames.Inbound, "tls-handshake");
            return;
        }
        metrics.SetTlsInfo(tls.NegotiatedGroup, tls.CipherSuite);
        var feature = new Feature(tls);
        connection.Features.Set<ITlsConnectionFeature>(feature);
        connection.Features.Set<ITlsApplicationProtocolFeature>(feature);
        if (tls.PeerIdentity is { } peer) connection.Features.Set(new PeerIdentityFeature(peer));
        var reader = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        connection.Transport = new DuplexPipe(reader, writer);
        try
        {
            await next(connection);
        }
        finally
        {
            await reader.CompleteAsync();
            await writer.CompleteAsync();
            await tls.DisposeAsync();
            connection.Transport = original;
        }
    };

    private sealed class Feature(MeshTlsStream tls) : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        private readonly byte[] _alpn = tls.ApplicationProtocol is { } p ? System.Text.Encoding.ASCII.GetBytes(p) : [];

        public X509Certificate2? ClientCertificate { get => tls.PeerCertificate; set { } }
        public ReadOnlyMemory<byte> ApplicationProtocol => _alpn;
        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult(tls.PeerCertificate);
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

}
