namespace Mesh.Abstractions.Stats;

/// <summary>Counters of one traffic slice over one report interval. Requests are classified as Linkerd does
/// (<c>response_total{classification="success|failure"}</c>: HTTP 5xx, gRPC errors and transport errors are failures).
/// <see cref="TcpOpen"/> is a gauge (connections open at the end of the interval); everything else is a delta.</summary>
[GenerateSerializer, Immutable, Alias("mesh.GoldenCounters")]
public sealed record GoldenCounters(
    [property: Id(0)] long Requests,
    [property: Id(1)] long Successes,
    [property: Id(2)] long Failures,
    [property: Id(3)] long TcpOpened,
    [property: Id(4)] long TcpOpen,
    [property: Id(5)] long TcpReadBytes,
    [property: Id(6)] long TcpWriteBytes,
    /// <summary>Requests carried over mTLS.</summary>
    [property: Id(7)] long TlsRequests,
    /// <summary>Requests carried in plaintext.</summary>
    [property: Id(8)] long PlainRequests,
    /// <summary>Connections opened over mTLS (for opaque TCP traffic that has no requests).</summary>
    [property: Id(9)] long TlsConnections)
{
    public static readonly GoldenCounters Zero = new(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
