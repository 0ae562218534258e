namespace Mesh.Proxy.Transport;

/// <summary>A connection's stream that writes its first request-line, `OPTIONS / HTTP/1.1`, as `OPTIONS * HTTP/1.1`
/// (the same length: one byte changes) and passes every other byte through; a first write that starts with anything
/// else fails the request rather than sending it some other way.</summary>
internal sealed class AsteriskFormStream(Stream inner) : Stream
{
    private static ReadOnlySpan<byte> OriginForm => "OPTIONS / HTTP/1.1\r\n"u8;
    private const int TargetAt = 8;
    private bool _written;

    /// <summary>The bytes to write for <paramref name="buffer"/>: the rewritten request-line on the first write.</summary>
    private ReadOnlyMemory<byte> Next(ReadOnlyMemory<byte> buffer)
    {
        if (_written || buffer.IsEmpty) return buffer;
        if (!buffer.Span.StartsWith(OriginForm))
            throw new IOException("asterisk-form: the connection's first bytes are not the request-line 'OPTIONS / HTTP/1.1'");
        var copy = buffer.ToArray();
        copy[TargetAt] = (byte)'*';
        _written = true;
        return copy;
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_written) inner.Write(buffer);
        else inner.Write(Next(buffer.ToArray()).Span);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(Next(buffer), cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(Span<byte> buffer) => inner.Read(buffer);
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override bool CanRead => inner.CanRead;
    public override bool CanWrite => inner.CanWrite;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => inner.DisposeAsync();
}
