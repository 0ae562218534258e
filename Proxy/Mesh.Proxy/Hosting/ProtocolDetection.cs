using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Mesh.Proxy.Hosting;

/// <summary>Connection stage that tells what a client speaks before Kestrel sees it: the HTTP/2 preface (then "ALPN h2",
/// since Kestrel alone picks HTTP/1.1 on cleartext mixed endpoints), the mesh opaque-TCP header, or HTTP/1.x; and
/// sends opaque ports (transparent mode) straight to the TCP path.</summary>
internal static class ProtocolDetection
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    private enum Verdict { Http1, Http2, Opaque, Silent }

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(string listener, ProxyMetrics metrics, TimeSpan detectTimeout, bool http2 = true, OpaqueTcp? opaque = null) => next => async connection =>
    {
        metrics.TcpOpened(listener);
        try
        {
            if (opaque is not null && connection.Features.Get<OriginalDestinationFeature>() is { } original && opaque.IsOpaquePort(original.EndPoint.Port))
            {
                await (listener == TelemetryNames.Inbound ? opaque.InboundAsync(connection, original.EndPoint.Port) : opaque.OutboundAsync(connection, original.EndPoint));
                return;
            }
            // Mesh TLS with ALPN h2 already chose HTTP/2; otherwise look at the first bytes (HTTP/1, h2c, opaque header).
            var tls = connection.Features.Get<ITlsConnectionFeature>() is not null;
            if (!(tls && connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true))
            {
                var (verdict, port) = await DetectAsync(connection, detectTimeout, acceptOpaque: opaque is not null && listener == TelemetryNames.Inbound);
                switch (verdict)
                {
                    case Verdict.Silent:
                        metrics.BadInput(listener, "detect-timeout");
                        return;
                    case Verdict.Opaque:
                        await opaque!.InboundAsync(connection, port);
                        return;
                    case Verdict.Http2 when http2 && !tls:
                        connection.Features.Set<ITlsConnectionFeature>(new PlaintextH2Feature());
                        connection.Features.Set<ITlsApplicationProtocolFeature>(new PlaintextH2Feature());
                        break;
                }
            }
            await next(connection);
        }
        finally
        {
            metrics.TcpClosed(listener);
        }
    };

    private static async Task<(Verdict, int)> DetectAsync(ConnectionContext connection, TimeSpan detectTimeout, bool acceptOpaque)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(detectTimeout);
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(timeout.Token); }
            catch (OperationCanceledException) { return (Verdict.Silent, 0); }
            var buffer = result.Buffer;
            var (verdict, port, headerLength) = Classify(buffer, acceptOpaque);
            if (verdict is null && !result.IsCompleted && !result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            // The opaque header is ours: consume it. Anything else is left for Kestrel to read again.
            input.AdvanceTo(verdict == Verdict.Opaque ? buffer.GetPosition(headerLength) : buffer.Start);
            return (verdict ?? Verdict.Http1, port);
        }
    }

    /// <summary>null: need more bytes.</summary>
    private static (Verdict?, int Port, int HeaderLength) Classify(ReadOnlySequence<byte> buffer, bool acceptOpaque)
    {
        Span<byte> head = stackalloc byte[OpaqueTcp.MaxHeaderLength];
        var n = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, n).CopyTo(head);
        head = head[..n];
        var prefaceLength = Math.Min(n, Preface.Length);
        var maybeH2 = head[..prefaceLength].SequenceEqual(Preface.AsSpan(0, prefaceLength));
        if (maybeH2 && prefaceLength == Preface.Length) return (Verdict.Http2, 0, 0);
        var magic = OpaqueTcp.Magic;
        var magicLength = Math.Min(n, magic.Length);
        var maybeOpaque = acceptOpaque && head[..magicLength].SequenceEqual(magic.AsSpan(0, magicLength));
        if (maybeOpaque && n >= magic.Length)
        {
            var end = head.IndexOf("\r\n"u8);
            if (end < 0) return n == head.Length ? (Verdict.Http1, 0, 0) : (null, 0, 0);
            if (Utf8Parser.TryParse(head[magic.Length..end], out int port, out var used) && used == end - magic.Length && port is > 0 and <= 65535)
                return (Verdict.Opaque, port, end + 2);
            return (Verdict.Http1, 0, 0);
        }
        return maybeH2 || maybeOpaque ? (null, 0, 0) : (Verdict.Http1, 0, 0);
    }

    /// <summary>Marks a plaintext connection as negotiated "h2" without TLS.</summary>
    private sealed class PlaintextH2Feature : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }
        public ReadOnlyMemory<byte> ApplicationProtocol => "h2"u8.ToArray();
        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
