using System.IO.Pipelines;
using Mesh.Identity.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace Mesh.Identity.Kestrel;

/// <summary>Terminates mesh TLS on a Kestrel connection, publishes the handshake as features, and hands the plaintext
/// pipe to the next stage (Kestrel's HTTP/1.1 or HTTP/2 handler, chosen by ALPN).</summary>
internal sealed partial class MeshTlsConnectionMiddleware(ConnectionDelegate next, MeshTlsServerOptions options, ILogger logger)
{
    public async Task OnConnectionAsync(ConnectionContext context)
    {
        var original = context.Transport;
        MeshTlsStream tls;
        try
        {
            tls = await MeshTls.AcceptAsync(new DuplexPipeStream(original), options, context.ConnectionClosed, leaveOpen: true).ConfigureAwait(false);
        }
        catch (MeshTlsException e)
        {
            // Counted by the handshake itself; returning closes the connection.
            LogHandshakeFailed(logger, context.ConnectionId, context.RemoteEndPoint?.ToString(), MeshTlsErrorNames.Label(e.Error), e.Message);
            return;
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var feature = new MeshTlsConnectionFeature(tls);
        context.Features.Set<ITlsConnectionFeature>(feature);
        context.Features.Set<ITlsApplicationProtocolFeature>(feature);
        context.Features.Set<IMeshTlsFeature>(feature);
        var reader = PipeReader.Create(tls, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = PipeWriter.Create(tls, new StreamPipeWriterOptions(leaveOpen: true));
        context.Transport = new DuplexPipe(reader, writer);
        try
        {
            await next(context).ConfigureAwait(false);
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
            await writer.CompleteAsync().ConfigureAwait(false);
            await tls.DisposeAsync().ConfigureAwait(false);
            context.Transport = original;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Debug, Message = "Mesh TLS handshake failed on {ConnectionId} from {Remote}: {Reason}: {Detail}")]
    private static partial void LogHandshakeFailed(ILogger logger, string connectionId, string? remote, string reason, string detail);

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
