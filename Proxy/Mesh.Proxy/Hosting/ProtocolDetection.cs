using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Mesh.Proxy.Hosting;

/// <summary>Connection stage that tells what a client speaks before Kestrel sees it: the HTTP/2 preface (then "ALPN h2",
/// since Kestrel alone picks HTTP/1.1 on cleartext mixed endpoints), the mesh opaque-TCP header (inbound), an HTTP
/// CONNECT tunnel (outbound), or HTTP/1.x. Opaque destinations (transparent mode: configured ports or a Service port
/// discovery marks opaque) skip detection; a transparent client that says nothing before the detection timeout is a
/// server-speaks-first protocol and goes the opaque way too; anywhere else such a client is dropped and counted.</summary>
internal static class ProtocolDetection
{
    private static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();
    private static readonly byte[] ConnectMethod = "CONNECT "u8.ToArray();
    private static readonly byte[] HeaderEnd = "\r\n\r\n"u8.ToArray();
    /// <summary>Largest CONNECT request head (request line + headers) read before answering 431.</summary>
    public const int MaxConnectHeadLength = 8 * 1024;

    private enum Verdict { Http1, Http2, Opaque, Connect, ConnectTooLarge, ConnectMalformed, Silent, NotHttp }

    private readonly record struct Detection(Verdict? Verdict, int Port = 0, string Authority = "", long Consumed = 0)
    {
        public static readonly Detection NeedMore = new(null);
    }

    /// <summary>Options of one listener's stage.</summary>
    /// <param name="HeaderTimeout">How long a client may stay silent (slowloris defence).</param>
    /// <param name="DetectTimeout">The same for redirected (transparent) connections, after which they are opaque TCP.</param>
    /// <param name="Opaque">Opaque TCP handling; null on the admin listener.</param>
    /// <param name="Errors">Writes CONNECT errors; null where CONNECT is not accepted (inbound, admin).</param>
    public sealed record Options(TimeSpan HeaderTimeout, TimeSpan DetectTimeout, bool Http2 = true, OpaqueTcp? Opaque = null, ProxyErrorReporter? Errors = null);

    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware(string listener, ProxyMetrics metrics, Func<Options> options) => next => async connection =>
    {
        var o = options();
        var tls = connection.Features.Get<ITlsConnectionFeature>() is not null;
        metrics.TcpOpened(listener, tls);
        try
        {
            var inbound = listener == TelemetryNames.Inbound;
            var original = o.Opaque is null ? null : connection.Features.Get<OriginalDestinationFeature>()?.EndPoint;
            // A redirected connection carried as opaque TCP: to the app's port (inbound) or where it was going (outbound).
            Task RedirectedOpaqueAsync(string reason)
            {
                metrics.OpaqueConnection(listener, reason);
                return inbound ? o.Opaque!.RedirectedInboundAsync(connection, original!.Port) : o.Opaque!.OutboundAsync(connection, original!);
            }
            if (original is not null && (inbound ? o.Opaque!.IsOpaqueInboundPort(original.Port) : await o.Opaque!.IsOpaqueDestinationAsync(original, connection.ConnectionClosed)))
            {
                await RedirectedOpaqueAsync("opaque-port");
                return;
            }
            // Mesh TLS with ALPN h2 already chose HTTP/2; otherwise look at the first bytes.
            if (!(tls && connection.Features.Get<ITlsApplicationProtocolFeature>()?.ApplicationProtocol.Span.SequenceEqual("h2"u8) == true))
            {
                var transparentPlaintext = original is not null && !tls;
                var detection = connection.Features.Get<SilentClientFeature>() is not null ? new Detection(Verdict.Silent)
                    : await DetectAsync(connection, transparentPlaintext ? o.DetectTimeout : o.HeaderTimeout,
                        acceptOpaque: o.Opaque is not null && inbound, acceptConnect: o.Errors is not null && o.Opaque is not null && !inbound,
                        onlyHttp: !transparentPlaintext);
                switch (detection.Verdict)
                {
                    case Verdict.Silent when transparentPlaintext:
                        await RedirectedOpaqueAsync("detect-timeout");
                        return;
                    case Verdict.Silent:
                        metrics.BadInput(listener, "detect-timeout");
                        return;
                    case Verdict.NotHttp:
                        // A redirected client speaking something else (TLS to an external site, a database protocol).
                        await RedirectedOpaqueAsync("not-http");
                        return;
                    case Verdict.Opaque:
                        metrics.OpaqueConnection(listener, "transport-header");
                        await o.Opaque!.InboundAsync(connection, detection.Port, detection.Authority);
                        return;
                    case Verdict.Connect:
                        metrics.OpaqueConnection(listener, "connect");
                        await o.Opaque!.ConnectTunnelAsync(connection, detection.Authority);
                        return;
                    case Verdict.ConnectTooLarge:
                        metrics.BadInput(listener, "oversized-headers");
                        await o.Errors!.WriteHttp1Async(connection.Transport.Output, ProxyError.HeadersTooLarge,
                            $"CONNECT request head over {MaxConnectHeadLength} bytes", listener);
                        return;
                    case Verdict.ConnectMalformed:
                        metrics.BadInput(listener, "bad-connect");
                        await o.Errors!.WriteHttp1Async(connection.Transport.Output, ProxyError.BadRequest,
                            "CONNECT needs an authority-form target: CONNECT name.namespace:port HTTP/1.1", listener);
                        return;
                    case Verdict.Http2 when o.Http2 && !tls:
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

    /// <param name="onlyHttp">false: bytes that are not HTTP are <see cref="Verdict.NotHttp"/> (redirected connections, carried
    /// as opaque TCP) instead of being left for Kestrel to reject.</param>
    private static async Task<Detection> DetectAsync(ConnectionContext connection, TimeSpan timeout, bool acceptOpaque, bool acceptConnect, bool onlyHttp)
    {
        var input = connection.Transport.Input;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed);
        cts.CancelAfter(timeout);
        while (true)
        {
            ReadResult result;
            try { result = await input.ReadAsync(cts.Token); }
            catch (OperationCanceledException) { return new(Verdict.Silent); }
            var buffer = result.Buffer;
            var detection = Classify(buffer, acceptOpaque, acceptConnect, onlyHttp);
            if (detection.Verdict is null && !result.IsCompleted && !result.IsCanceled)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            // Our own heads (opaque header, CONNECT request) are consumed; anything else is left for Kestrel to read again.
            input.AdvanceTo(buffer.GetPosition(detection.Consumed));
            return detection.Verdict is null ? new(Verdict.Http1) : detection;
        }
    }

    private static Detection Classify(ReadOnlySequence<byte> buffer, bool acceptOpaque, bool acceptConnect, bool onlyHttp)
    {
        Span<byte> head = stackalloc byte[OpaqueHeader.MaxLength];
        var n = (int)Math.Min(buffer.Length, head.Length);
        buffer.Slice(0, n).CopyTo(head);
        head = head[..n];
        if (StartsWith(head, Preface, out var complete))
            return complete ? new(Verdict.Http2) : Detection.NeedMore;
        if (acceptConnect && StartsWith(head, ConnectMethod, out complete))
            return complete ? ClassifyConnect(buffer) : Detection.NeedMore;
        if (acceptOpaque && StartsWith(head, OpaqueHeader.Magic, out complete))
        {
            if (!complete) return Detection.NeedMore;
            var end = head.IndexOf("\r\n"u8);
            if (end < 0) return n == head.Length ? new(Verdict.Http1) : Detection.NeedMore;
            // "MESH-OPAQUE port" to a sidecar, "MESH-OPAQUE port authority" to a multicluster gateway.
            var fields = head[OpaqueHeader.Magic.Length..end];
            var space = fields.IndexOf((byte)' ');
            var portField = space < 0 ? fields : fields[..space];
            var authority = space < 0 ? "" : Encoding.ASCII.GetString(fields[(space + 1)..]);
            if (Utf8Parser.TryParse(portField, out int port, out var used) && used == portField.Length && port is > 0 and <= 65535 &&
                (authority.Length == 0 || IsAuthorityForm(authority)))
                return new(Verdict.Opaque, port, authority.ToLowerInvariant(), Consumed: end + 2);
        }
        if (onlyHttp) return new(Verdict.Http1);
        return LooksLikeHttp1(head) switch { true => new(Verdict.Http1), false => new(Verdict.NotHttp), null => Detection.NeedMore };
    }

    /// <summary>An HTTP/1 request starts with a method token (upper-case letters, at most 20) and a space; null: too few bytes.</summary>
    private static bool? LooksLikeHttp1(ReadOnlySpan<byte> head)
    {
        const int MaxMethod = 20;
        for (var i = 0; i < head.Length && i <= MaxMethod; i++)
        {
            var c = head[i];
            if (c == (byte)' ') return i > 0;
            if (c is < (byte)'A' or > (byte)'Z') return false;
        }
        return head.Length > MaxMethod ? false : null;
    }

    /// <summary>"CONNECT host:port HTTP/1.1\r\n" then headers (ignored) up to the blank line.</summary>
    private static Detection ClassifyConnect(ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        if (!reader.TryReadTo(out ReadOnlySequence<byte> headSeq, HeaderEnd, advancePastDelimiter: true))
            return buffer.Length >= MaxConnectHeadLength ? new(Verdict.ConnectTooLarge) : Detection.NeedMore;
        if (headSeq.Length + HeaderEnd.Length > MaxConnectHeadLength) return new(Verdict.ConnectTooLarge);
        var head = Encoding.ASCII.GetString(headSeq);
        var lineEnd = head.IndexOf("\r\n", StringComparison.Ordinal);
        var parts = (lineEnd < 0 ? head : head[..lineEnd]).Split(' ');
        var consumed = reader.Consumed;
        if (parts.Length != 3 || !parts[2].StartsWith("HTTP/1.", StringComparison.Ordinal) || !IsAuthorityForm(parts[1]))
            return new(Verdict.ConnectMalformed, Consumed: consumed);
        return new(Verdict.Connect, Authority: parts[1].ToLowerInvariant(), Consumed: consumed);
    }

    /// <summary>host:port with a DNS name or an IPv4 address (no userinfo, no path).</summary>
    private static bool IsAuthorityForm(string target)
    {
        var colon = target.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(target.AsSpan(colon + 1), System.Globalization.NumberStyles.None, null, out var port) || port is < 1 or > 65535) return false;
        var host = target.AsSpan(0, colon);
        if (host.Length > 253) return false;
        foreach (var c in host)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-')) return false;
        return true;
    }

    /// <summary>Whether <paramref name="head"/> could begin with <paramref name="prefix"/>; complete when all of it is there.</summary>
    private static bool StartsWith(ReadOnlySpan<byte> head, ReadOnlySpan<byte> prefix, out bool complete)
    {
        var k = Math.Min(head.Length, prefix.Length);
        complete = k == prefix.Length;
        return head[..k].SequenceEqual(prefix[..k]);
    }

    /// <summary>Marks a plaintext connection as negotiated "h2" without TLS.</summary>
    private sealed class PlaintextH2Feature : ITlsConnectionFeature, ITlsApplicationProtocolFeature
    {
        public X509Certificate2? ClientCertificate { get; set; }
        public ReadOnlyMemory<byte> ApplicationProtocol => "h2"u8.ToArray();
        public Task<X509Certificate2?> GetClientCertificateAsync(CancellationToken cancellationToken) => Task.FromResult<X509Certificate2?>(null);
    }
}
