using System.Buffers;
using System.IO.Pipelines;
using System.Security.Cryptography.X509Certificates;
using Mesh.Proxy.Telemetry;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Mesh.Proxy.Hosting;

/// <summary>Connection stage that serves HTTP/1.1 and prior-knowledge h2c on one plaintext port: it peeks for the
/// HTTP/2 preface and, when present, tells Kestrel "ALPN h2" (Kestrel alone picks HTTP/1.1 on cleartext mixed endpoints).</summary>
internal static class ProtocolDetection
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(string listener, ProxyMetrics metrics, TimeSpan detectTimeout, bool http2 = true) => next => async connection =>
    {
        metrics.TcpOpened(listener);
        try
        {
            if (connection.Features.Get<ITlsConnectionFeature>() is null)
            {
                var verdict = await DetectAsync(connection, detectTimeout);
                if (verdict is null)
                {
                    metrics.BadInput(listener, "detect-timeout");
                    return;
                }
                if (verdict == true && http2)
                {
                    connection.Features.Set<ITlsConnectionFeature>(new PlaintextH2Feature());
                    connection.Features.Set<ITlsApplicationProtocolFeature>(new PlaintextH2Feature());
                }
            }
            await next(connection);
        }
        finally
        {
            metrics.TcpClosed(listener);
        }
    };

    /// <summary>true: HTTP/2 preface; false: anything else (HTTP/1.x, garbage: Kestrel answers it); null: silent client.</summary>
    private static async Task<bool?> DetectAsync(ConnectionContext connection, TimeSpan detectTimeout)
    {
        var input = connection.Transport.Input;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        timeout.CancelAfter(detectTimeout);
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(timeout.Token); }
            catch (OperationCanceledException) { return null; }
            var buffer = result.Buffer;
            var verdict = Compare(buffer);
            if (verdict is null && !result.IsCompleted && !result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            input.AdvanceTo(buffer.Start);
            return verdict ?? false;
        }
    }

    private static bool? Compare(ReadOnlySequence<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, Preface.Length);
        Span<byte> head = stackalloc byte[24];
        buffer.Slice(0, n).CopyTo(head);
        if (!head[..n].SequenceEqual(Preface.AsSpan(0, n))) return false;
        return n == Preface.Length ? true : null;
    }

    /// <summary>Marks a plaintext connection as negotiated "h2" without TLS.</summary>
    private sealed class PlaintextH2Feature : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }
        public ReadOnlyMemory<byte> ApplicationProtocol => "h2"u8.ToArray();
        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
