using System.Buffers;
using System.Reflection;
using System.Runtime.ExceptionServices;
using CsCheck;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Proxy.Hosting;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Proxy.Hosting;

/// <summary>The heads the proxy parses itself before Kestrel: the opaque transport header (`MESH-OPAQUE port [authority]`,
/// inbound) and the HTTP CONNECT request head (outbound), through ProtocolDetection's classifier as the connection stage
/// calls it, with the bytes split over several buffer segments as a socket delivers them. The classifier is private (its
/// verdicts are the stage's own business), so it is reached by reflection rather than widened for a test.</summary>
public sealed class ProtocolDetectionFuzzTests(ITestOutputHelper output)
{
    private static readonly MethodInfo Classify = typeof(ProtocolDetection).GetMethod("Classify", BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new InvalidOperationException("ProtocolDetection.Classify not found: update this harness");

    private static readonly byte[][] Tokens = Mutator.Tokens("MESH-OPAQUE ", "CONNECT ", " HTTP/1.1\r\n", "\r\n", "\r\n\r\n", "\n", " ", ":",
        "0", "65535", "65536", "-1", "+80", "0x50", "99999999999", "books.default:8080", "[::1]:80", "user@host:80", "host:80/path",
        "Host: x\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "GET / HTTP/1.1\r\n", "\0", "\u00e9");

    internal static List<byte[]> Seeds() =>
    [
        .. Corpus.Load("transport-heads"),
        .. Mutator.Tokens("MESH-OPAQUE 5432\r\n", "MESH-OPAQUE 6379 redis.default.svc.cluster.local:6379\r\nPING\r\n",
            "CONNECT books.default:5432 HTTP/1.1\r\nHost: books.default:5432\r\n\r\n", "CONNECT 127.0.0.1:80 HTTP/1.0\r\n\r\nabc",
            "GET / HTTP/1.1\r\nHost: books\r\n\r\n", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"),
    ];

    /// <summary>The buffer in up to four segments cut at <paramref name="cuts"/>.</summary>
    private static ReadOnlySequence<byte> Segmented(byte[] data, int[] cuts)
    {
        var points = cuts.Select(c => data.Length == 0 ? 0 : c % (data.Length + 1)).Distinct().Order().ToList();
        if (points.Count == 0 || data.Length == 0) return new ReadOnlySequence<byte>(data);
        Segment? first = null, last = null;
        var from = 0;
        foreach (var to in points.Append(data.Length))
        {
            if (to <= from && !(to == data.Length && first is null)) continue;
            var next = new Segment(data.AsMemory(from, to - from), last?.End ?? 0);
            if (last is null) first = next; else last.Next = next;
            last = next;
            from = to;
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public long End => RunningIndex + Memory.Length;

        public new Segment? Next { set => base.Next = value; }
    }

    internal static void Check(byte[] data, int[] cuts, bool[] flags)
    {
        var buffer = Segmented(data, cuts);
        object detection;
        try
        {
            detection = Classify.Invoke(null, [buffer, flags[0], flags[1], flags[2]])!;
        }
        catch (TargetInvocationException e)
        {
            ExceptionDispatchInfo.Throw(e.InnerException!);
            throw;
        }
        var type = detection.GetType();
        var verdict = type.GetProperty("Verdict")!.GetValue(detection)?.ToString();
        var port = (int)type.GetProperty("Port")!.GetValue(detection)!;
        var authority = (string)type.GetProperty("Authority")!.GetValue(detection)!;
        var consumed = (long)type.GetProperty("Consumed")!.GetValue(detection)!;
        if (consumed < 0 || consumed > data.Length) throw new FuzzFailure($"{verdict} consumed {consumed} of {data.Length} bytes");
        if (verdict == "Opaque" && (!flags[0] || port is < 1 or > 65535 || authority != authority.ToLowerInvariant()))
            throw new FuzzFailure($"opaque header accepted with port {port}, authority '{authority}' (opaque allowed: {flags[0]})");
        if (verdict == "Connect" && (!flags[1] || authority.Length == 0 || consumed == 0))
            throw new FuzzFailure($"CONNECT accepted with authority '{authority}', {consumed} bytes consumed (CONNECT allowed: {flags[1]})");
    }

    [Fact]
    public void Classify_MutatedTransportHeadsInSegments_VerdictWithinBounds()
    {
        var inputs = Gen.Select(new Mutator(Seeds(), Tokens).Inputs(), Gen.Int[0, int.MaxValue].Array[0, 3], Gen.Bool.Array[3]);
        FuzzRun.Run(output, "transport-heads", inputs, c => Check(c.Item1, c.Item2, c.Item3), ciCases: 3000,
            print: c => $"cuts [{string.Join(",", c.Item2)}] opaque/connect/onlyHttp [{string.Join(",", c.Item3)}] {FuzzRun.Show(c.Item1)}");
    }
}
