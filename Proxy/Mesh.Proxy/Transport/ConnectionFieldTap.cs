using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Proxy.Transport;

/// <summary>Keeps the field names an HTTP/1.x client lists in `Connection:` lines, read from the bytes Kestrel's parser
/// consumes: Kestrel replaces `Connection: close, x-secret` by its interned `close` before any middleware runs (it keeps
/// only the connection options), so the request alone no longer says that `x-secret` was this hop's.</summary>
/// <remarks>Per connection, in arrival order; each request takes what was seen since the previous one (Kestrel parses the
/// next request head only after the current request ends). A body that carries a `Connection:` line can only make the
/// same client lose its own fields. HTTP/2 connections (the preface) are not scanned: their fields are not lines, and a
/// `connection` field is a protocol error there.</remarks>
internal sealed class ConnectionFieldTap
{
    private const int MaxLine = 8 * 1024;
    private static ReadOnlySpan<byte> Name => "connection:"u8;

    private readonly Lock _gate = new();
    private readonly List<string> _pending = [];
    private object? _takenBy;
    private string[] _taken = [];
    private bool _atLineStart = true;
    private int _matched;           // bytes of "connection:" matched at the start of the current line; -1: not this line
    private StringBuilder? _value;  // the value of a Connection line being read
    private long _seen;
    private bool _off;

    /// <summary>The names listed since the previous request; the same answer again for the same request (retries).</summary>
    public string[] TakeFor(object request)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_takenBy, request)) return _taken;
            _takenBy = request;
            _taken = [.. _pending];
            _pending.Clear();
            return _taken;
        }
    }

    /// <summary>The connection stage: taps the transport's input; add it last, after TLS and protocol detection.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware() => next => async connection =>
    {
        var tap = new ConnectionFieldTap();
        connection.Features.Set(tap);
        var original = connection.Transport;
        connection.Transport = new TappedPipe(original, tap);
        try { await next(connection); }
        finally { connection.Transport = original; }
    };

    /// <summary>Reads the bytes the parser consumed (internal for tests).</summary>
    internal void Observe(ReadOnlySequence<byte> consumed)
    {
        if (_off) return;
        foreach (var segment in consumed)
        {
            var span = segment.Span;
            if (_seen == 0 && span.Length >= 3 && span.StartsWith("PRI"u8)) { _off = true; return; }
            _seen += span.Length;
            Scan(span);
        }
    }

    private void Scan(ReadOnlySpan<byte> span)
    {
        var i = 0;
        while (i < span.Length)
        {
            if (_atLineStart)
            {
                _atLineStart = false;
                _matched = 0;
            }
            if (_value is not null)
            {
                var end = span[i..].IndexOfAny((byte)'\r', (byte)'\n');
                var take = end < 0 ? span.Length - i : end;
                if (_value.Length + take <= MaxLine) _value.Append(Encoding.Latin1.GetString(span.Slice(i, take)));
                if (end < 0) return;
                Add(_value.ToString());
                _value = null;
                _matched = -1;
                i += take;
                continue;
            }
            if (_matched >= 0)
            {
                while (i < span.Length && _matched < Name.Length && (span[i] | 0x20) == Name[_matched]) { i++; _matched++; }
                if (_matched == Name.Length) { _value = new StringBuilder(); continue; }
                if (i == span.Length) return;
                _matched = -1;
            }
            var lf = span[i..].IndexOf((byte)'\n');
            if (lf < 0) return;
            i += lf + 1;
            _atLineStart = true;
        }
    }

    private void Add(string value)
    {
        lock (_gate)
        {
            foreach (var name in HopByHopHeaders.Named(value))
                if (_pending.Count < 64) _pending.Add(name);
        }
    }

    private sealed class TappedPipe(IDuplexPipe inner, ConnectionFieldTap tap) : IDuplexPipe
    {
        public PipeReader Input { get; } = new TappedReader(inner.Input, tap);
        public PipeWriter Output => inner.Output;
    }

    /// <summary>Forwards every call; hands each consumed range to the tap before advancing past it.</summary>
    private sealed class TappedReader(PipeReader inner, ConnectionFieldTap tap) : PipeReader
    {
        private ReadOnlySequence<byte> _last;

        public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
        {
            var result = await inner.ReadAsync(cancellationToken);
            _last = result.Buffer;
            return result;
        }

        public override bool TryRead(out ReadResult result)
        {
            if (!inner.TryRead(out result)) return false;
            _last = result.Buffer;
            return true;
        }

        public override void AdvanceTo(SequencePosition consumed)
        {
            tap.Observe(_last.Slice(0, consumed));
            inner.AdvanceTo(consumed);
        }

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
        {
            tap.Observe(_last.Slice(0, consumed));
            inner.AdvanceTo(consumed, examined);
        }

        public override void CancelPendingRead() => inner.CancelPendingRead();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);
    }
}
