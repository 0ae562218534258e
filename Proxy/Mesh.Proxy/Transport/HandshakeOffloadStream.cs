namespace Mesh.Proxy.Transport;

/// <summary>Keeps a mesh TLS handshake off the sockets' event thread. With inline socket completions
/// (DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1) or Kestrel's `UnsafePreferInlineScheduling` a read resumes on the
/// thread that serves every connection's epoll events, and a handshake there (ML-KEM, ECDSA, the peer's certificate
/// chain: on the order of a millisecond of CPU) would stall them all. While <see cref="Handshaking"/>, a read that
/// resumes off the thread pool moves to it before the TLS engine sees the bytes; afterwards every call goes straight
/// through, so the record layer keeps the inline path.</summary>
internal sealed class HandshakeOffloadStream(Stream inner) : Stream
{
    /// <summary>Cleared by the owner once the handshake is done.</summary>
    public bool Handshaking { get; set; } = true;

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Handshaking ? ReadOnPoolAsync(buffer, cancellationToken) : inner.ReadAsync(buffer, cancellationToken);

    private async ValueTask<int> ReadOnPoolAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        // Thread-pool threads are where handshakes belong; the sockets' event threads are not pool threads.
        if (!Thread.CurrentThread.IsThreadPoolThread) await Task.Yield();
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override void Flush() => inner.Flush();
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override ValueTask DisposeAsync() => inner.DisposeAsync();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
