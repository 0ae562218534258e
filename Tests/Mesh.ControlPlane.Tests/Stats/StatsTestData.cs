using System.Collections.Immutable;
using Mesh.Abstractions.Stats;

namespace Mesh.ControlPlane.Tests.Stats;

/// <summary>Builders of samples and reports for the stats tests.</summary>
internal static class StatsTestData
{
    public static StatsSample Sample(TrafficDirection direction, long requests, long failures = 0, double latencyMs = 5,
        string route = "", string backend = "", string path = "", bool tls = true, long tcpOpen = 0) =>
        new(direction, route, backend, path, tls,
            new GoldenCounters(requests, requests - failures, failures, TcpOpened: 0, TcpOpen: tcpOpen, 0, 0,
                tls ? requests : 0, tls ? 0 : requests, 0),
            LatencyHistogram.FromLatencies(Enumerable.Repeat(latencyMs, (int)requests)));

    public static ImmutableArray<StatsSample> One(StatsSample sample) => [sample];
}
