using System.Buffers;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Tls;

namespace Mesh.Identity.Tls;

/// <summary>
/// A mesh TLS connection as a <see cref="Stream"/>: BouncyCastle's non-blocking protocol engine driven by real async
/// reads and writes on the transport. No thread is held per connection, and a pending read never blocks a write
/// (HTTP/2 reads and writes at once).
/// </summary>
/// <remarks>
/// Threading rule: every call into the BC engine happens under <c>_engineLock</c> (CPU only, never awaited). Bytes the
/// engine produces are pulled and written while holding <c>_writeLock</c>, so records reach the wire in engine order.
/// At most one ReadAsync and one WriteAsync may be outstanding at a time, as for any Stream.
/// </remarks>
public sealed class MeshTlsStream : Stream
{
    private const int HandshakeBufferSize = 16 * 1024;    // handshake flights are a few KB
    private const int ReadBufferSize = 64 * 1024;         // rented only once data is ready, so idle connections do not hold it
    private const int WriteChunk = 4 * 16 * 1024;         // plaintext handed to the engine per transport write

    private readonly Stream _transport;
    private readonly TlsProtocol _engine;
    private readonly HandshakeState _state;
    private readonly Tls.MeshTlsOptions _options;
    private readonly bool _isServer;
    private readonly object _engineLock = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly bool _leaveOpen;
    private int _disposed;
    private bool _established;
    private bool _lastReadFull;
    private bool _dataWasWaiting;

    internal MeshTlsStream(Stream transport, TlsProtocol engine, HandshakeState state, MeshTlsOptions options, bool isServer, bool leaveOpen)
    {
        _transport = transport;
        _engine = engine;
        _state = state;
        _options = options;
        _isServer = isServer;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The peer's SPIFFE id; null when a client connected without a certificate.</summary>
    public string? PeerIdentity { get; private set; }

    /// <summary>The peer's leaf certificate, when it sent one.</summary>
    public X509Certificate2? PeerCertificate { get; private set; }

    /// <summary>"X25519MLKEM768" or "X25519".</summary>
    public string NegotiatedGroup { get; private set; } = "";

    /// <summary>IANA name of the cipher suite, e.g. "TLS_AES_128_GCM_SHA256".</summary>
    public string CipherSuite { get; private set; } = "";

    /// <summary>The ALPN protocol both sides agreed on, or null.</summary>
    public string? ApplicationProtocol { get; private set; }

    /// <summary>True on the accepting side.</summary>
    public bool IsServer => _isServer;

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <summary>Runs the handshake to completion or throws <see cref="MeshTlsException"/>; the transport is closed on failure.</summary>
    internal async Task HandshakeAsync(Action<TlsProtocol> start, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var timeout = new CancellationTokenSource(_options.HandshakeTimeout, _options.Time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var buffer = ArrayPool<byte>.Shared.Rent(HandshakeBufferSize);
        var eof = false;
        try
        {
            lock (_engineLock) start(_engine);
            await FlushEngineOutputAsync(linked.Token).ConfigureAwait(false);
            while (!_state.Completed)
            {
                var n = await _transport.ReadAsync(buffer.AsMemory(0, HandshakeBufferSize), linked.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    eof = true;
                    throw new EndOfStreamException("transport closed during the TLS handshake");
                }
                lock (_engineLock) _engine.OfferInput(buffer, 0, n);
                await FlushEngineOutputAsync(linked.Token).ConfigureAwait(false);
                if (_engine.IsClosed && !_state.Completed) throw new IOException("TLS engine closed during the handshake");
            }
        }
        catch (Exception e) when (e is not MeshTlsException)
        {
            var timedOut = timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested;
            if (e is OperationCanceledException && !timedOut) { await AbortAsync().ConfigureAwait(false); throw; }
            var error = Classify(e, eof, timedOut);
            _options.Metrics.Failed(_isServer, error, Stopwatch.GetElapsedTime(started));
            await AbortAsync().ConfigureAwait(false);
            var reason = _state.FailureMessage ?? _state.AlertRaisedMessage ?? e.Message;
            throw new MeshTlsException(error, $"mesh TLS {(_isServer ? "accept" : "connect")} failed ({MeshTlsErrorNames.Label(error)}): {reason}", e);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        NegotiatedGroup = MeshCrypto.GroupName(_state.NegotiatedGroup);
        CipherSuite = MeshCrypto.CipherSuiteName(_state.CipherSuite);
        ApplicationProtocol = _state.ApplicationProtocol;
        PeerIdentity = _state.Peer?.Identity;
        PeerCertificate = _state.Peer?.Leaf;
        _established = true;
        _options.Metrics.Succeeded(_isServer, NegotiatedGroup, CipherSuite, Stopwatch.GetElapsedTime(started));
    }

    private MeshTlsError Classify(Exception e, bool eof, bool timedOut)
    {
        if (timedOut) return MeshTlsError.Timeout;
        if (_state.Failure is { } known) return known;
        if (_state.AlertReceived is { } received)
        {
            return received is AlertDescription.handshake_failure or AlertDescription.insufficient_security or AlertDescription.protocol_version
                ? MeshTlsError.NoCommonParameters
                : MeshTlsError.PeerAlert;
        }
        if (eof) return MeshTlsError.Truncated;
        if (_state.AlertRaised is { } raised || e is TlsFatalAlert)
        {
            var alert = _state.AlertRaised ?? ((TlsFatalAlert)e).AlertDescription;
            if (!_state.PeerHelloSeen) return MeshTlsError.Garbage;
            return alert is AlertDescription.handshake_failure or AlertDescription.insufficient_security or AlertDescription.protocol_version
                ? MeshTlsError.NoCommonParameters
                : MeshTlsError.Protocol;
        }
        return e is IOException or System.Net.Sockets.SocketException or ObjectDisposedException ? MeshTlsError.Io : MeshTlsError.Protocol;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (destination.IsEmpty) return 0;
        while (true)
        {
            lock (_engineLock)
            {
                var available = _engine.GetAvailableInputBytes();
                if (available > 0) return ReadPlaintext(destination, available);
                if (_engine.IsClosed) return 0; // close_notify received (or the engine failed and was closed)
            }
            // Wait for data without holding a buffer (idle connections then cost no read buffer). Skipped while the
            // previous read filled the buffer (bulk transfer: data is waiting). A transport without zero-byte-read
            // support returns at once and the real read below waits instead: still correct.
            // With SkipDataWaitWhenBusy the wait is skipped too while data kept arriving before we asked for it.
            var skipWait = _lastReadFull || (_options.SkipDataWaitWhenBusy && _dataWasWaiting);
            if (!skipWait)
            {
                var wait = _transport.ReadAsync(Memory<byte>.Empty, cancellationToken);
                _dataWasWaiting = wait.IsCompleted;
                await wait.ConfigureAwait(false);
            }
            var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
            try
            {
                var read = _transport.ReadAsync(buffer.AsMemory(0, ReadBufferSize), cancellationToken);
                if (skipWait) _dataWasWaiting = read.IsCompleted;
                var n = await read.ConfigureAwait(false);
                _lastReadFull = n == ReadBufferSize;
                if (n == 0) return 0; // transport EOF without close_notify: treated as end of stream
                bool hasOutput;
                lock (_engineLock)
                {
                    try
                    {
                        _engine.OfferInput(buffer, 0, n);
                    }
                    catch (TlsFatalAlert e)
                    {
                        throw new MeshTlsException(MeshTlsError.Protocol, $"mesh TLS record error: {e.Message}", e);
                    }
                    hasOutput = _engine.GetAvailableOutputBytes() > 0;
                }
                // Replies to input (KeyUpdate, close_notify) are sent in the background so a read never waits behind a
                // write that is itself waiting for the peer to read: that is how full-duplex streams deadlock.
                if (hasOutput) _ = FlushInBackgroundAsync();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }

    private int ReadPlaintext(Memory<byte> destination, int available)
    {
        var count = Math.Min(available, destination.Length);
        if (MemoryMarshal.TryGetArray<byte>(destination, out var segment))
            return _engine.ReadInput(segment.Array!, segment.Offset, count);
        var temp = ArrayPool<byte>.Shared.Rent(count);
        try
        {
            var n = _engine.ReadInput(temp, 0, count);
            temp.AsSpan(0, n).CopyTo(destination.Span);
            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(temp);
        }
    }

    private async Task FlushInBackgroundAsync()
    {
        try
        {
            await FlushEngineOutputAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or System.Net.Sockets.SocketException or OperationCanceledException)
        {
            // The transport is gone; the next read or write reports it.
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!_established) throw new InvalidOperationException("the mesh TLS handshake has not completed");
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (!source.IsEmpty)
            {
                var chunk = source[..Math.Min(source.Length, WriteChunk)];
                byte[] output;
                int length;
                lock (_engineLock)
                {
                    try
                    {
                        _engine.WriteApplicationData(chunk.Span);
                    }
                    catch (IOException e)
                    {
                        throw new MeshTlsException(MeshTlsError.Io, $"mesh TLS write on a closed connection: {e.Message}", e);
                    }
                    length = _engine.GetAvailableOutputBytes();
                    output = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                    _engine.ReadOutput(output, 0, length);
                }
                try
                {
                    await _transport.WriteAsync(output.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(output);
                }
                source = source[chunk.Length..];
            }
        }
        finally
        {
            _writeLock.Release();
        }
    }

    /// <summary>Writes whatever the engine has queued (handshake flights, alerts, close_notify) in engine order.</summary>
    private async Task FlushEngineOutputAsync(CancellationToken cancellationToken)
    {
        await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                byte[] output;
                int length;
                lock (_engineLock)
                {
                    length = _engine.GetAvailableOutputBytes();
                    if (length == 0) break;
                    output = ArrayPool<byte>.Shared.Rent(length);
                    _engine.ReadOutput(output, 0, length);
                }
                try
                {
                    await _transport.WriteAsync(output.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(output);
                }
            }
            await _transport.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => _transport.FlushAsync(cancellationToken);

    public override void Flush() => _transport.Flush();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    // Synchronous I/O is supported for callers that insist; the async paths are the ones used by Kestrel and HttpClient.
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>Sends close_notify and leaves the transport open, so the peer reads end-of-stream after all data
    /// (like <see cref="System.Net.Security.SslStream.ShutdownAsync"/>). Further writes fail; reads return 0.</summary>
    public async Task ShutdownAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_engineLock)
        {
            if (!_engine.IsClosed) _engine.Close();
        }
        await FlushEngineOutputAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends close_notify (bounded wait) and closes the transport.</summary>
    public override async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_established)
        {
            _options.Metrics.Closed(_isServer, NegotiatedGroup);
            try
            {
                lock (_engineLock)
                {
                    if (!_engine.IsClosed) _engine.Close();
                }
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await FlushEngineOutputAsync(cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
            {
                // Peer already gone: nothing to tell it.
            }
        }
        if (!_leaveOpen) await _transport.DisposeAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) DisposeAsync().AsTask().GetAwaiter().GetResult();
        base.Dispose(disposing);
    }

    private async Task AbortAsync()
    {
        // Best effort: deliver our alert, then drop the transport.
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await FlushEngineOutputAsync(cts.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException or TlsException)
        {
        }
        Interlocked.Exchange(ref _disposed, 1);
        if (!_leaveOpen) await _transport.DisposeAsync().ConfigureAwait(false);
    }
}
