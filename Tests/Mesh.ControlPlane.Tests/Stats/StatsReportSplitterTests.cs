using Mesh.Api.V1;
using Mesh.Abstractions.Stats;
using Mesh.Silo.Telemetry;
using static Mesh.ControlPlane.Tests.Stats.Reports;

namespace Mesh.ControlPlane.Tests.Stats;

public sealed class StatsReportSplitterTests
{
    [Fact]
    public void Split_MeshedInbound_ServiceOnlyNoEdge()
    {
        var slices = StatsReportSplitter.Split(Report("shop", "books", 1, Inbound("shop", "books", 10, 0, 5, sourceIdentity: Spiffe("shop", "web"))));
        Assert.Equal([StatsKeys.Service("shop", "books")], slices.Keys);
    }

    [Fact]
    public void Split_PlaintextInbound_EdgeFromUnmeshedCaller()
    {
        var slices = StatsReportSplitter.Split(Report("shop", "web", 1, Inbound("shop", "web", 10, 0, 5, tls: false)));
        var edge = slices[StatsKeys.Edge("", "shop/web")];
        Assert.Equal(("", "shop/web", Spiffe("shop", "web")), (edge.Edge!.Source, edge.Edge.Destination, edge.Edge.DestinationIdentity));
        Assert.Contains(StatsKeys.Service("shop", "web"), slices.Keys);
    }

    [Fact]
    public void Split_InboundConnectionCountOnly_ServiceOnlyNoEdge()
    {
        var report = Report("shop", "books", 1);
        report.Services.Add("books");
        report.Traffic.Add(new TrafficStats { Direction = "inbound", Tls = true, TcpOpened = 2, TcpOpen = 3 });
        var slices = StatsReportSplitter.Split(report);
        Assert.Equal([StatsKeys.Service("shop", "books")], slices.Keys);
    }

    [Fact]
    public void Split_Outbound_DestinationServiceAndEdge()
    {
        var slices = StatsReportSplitter.Split(Report("shop", "web", 7, Outbound("shop", "books", 10, 1, 5)));
        Assert.Equal(TrafficDirection.Outbound, Assert.Single(slices[StatsKeys.Service("shop", "books")].Samples).Direction);
        var edge = slices[StatsKeys.Edge(Spiffe("shop", "web"), "shop/books")];
        Assert.Equal(("web-proxy", 7L), (edge.ProxyId, edge.IntervalStartUnixMs));
        Assert.Equal(("shop/web", Spiffe("shop", "books")), (edge.Edge!.Source, edge.Edge.DestinationIdentity));
    }

    [Fact]
    public void Split_OutboundToAddress_EdgeOnlyKeyedByAuthority()
    {
        var traffic = Outbound("shop", "books", 3, 0, 5, tls: false);
        traffic.Authority = "10.0.0.9:5432";
        var slices = StatsReportSplitter.Split(Report("shop", "web", 1, traffic));
        Assert.Equal([StatsKeys.Edge(Spiffe("shop", "web"), "10.0.0.9:5432")], slices.Keys);
    }

    [Fact]
    public void Split_SeveralRowsSameTarget_OneSliceWithAllSamples()
    {
        var slices = StatsReportSplitter.Split(Report("shop", "web", 1,
            Outbound("shop", "books", 3, 0, 5, backend: "books-v1"), Outbound("shop", "books", 1, 0, 5, backend: "books-v2")));
        Assert.Equal(2, slices[StatsKeys.Service("shop", "books")].Samples.Length);
        Assert.Equal(2, slices.Count);
    }
}
