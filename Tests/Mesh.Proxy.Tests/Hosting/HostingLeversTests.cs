using Mesh.Proxy.Hosting;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Tests.Hosting;

public sealed class HostingLeversTests
{
    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void FromEnvironment_NothingSet_IsTheDefault() =>
        Assert.Equal(HostingLevers.Default, HostingLevers.FromEnvironment(Env()));

    [Fact]
    public void FromEnvironment_ReadsEachSwitch()
    {
        var levers = HostingLevers.FromEnvironment(Env((HostingLevers.WaitForDataVariable, "false"),
            (HostingLevers.InlineSchedulingVariable, "True"), (HostingLevers.MetricsVariable, "false"), (HostingLevers.MeshLegHttp11Variable, "true"),
            (HostingLevers.TlsSkipDataWaitVariable, "true")));
        Assert.Equal(new HostingLevers(WaitForDataBeforeAllocatingBuffer: false, PreferInlineScheduling: true, Metrics: false, MeshLegHttp11: true, TlsSkipDataWaitWhenBusy: true), levers);
    }

    [Theory]
    [InlineData(HostingLevers.WaitForDataVariable, "0")]
    [InlineData(HostingLevers.InlineSchedulingVariable, "yes")]
    [InlineData(HostingLevers.MetricsVariable, "off")]
    [InlineData(HostingLevers.MeshLegHttp11Variable, "1")]
    [InlineData(HostingLevers.TlsSkipDataWaitVariable, "on")]
    public void FromEnvironment_NotABoolean_NamesTheVariable(string variable, string value)
    {
        var e = Assert.Throws<InvalidOperationException>(() => HostingLevers.FromEnvironment(Env((variable, value))));
        Assert.Contains(variable, e.Message);
        Assert.Contains($"'{value}'", e.Message);
    }

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void ProxyMetrics_Recording_DecidesWhetherResponsesAreSummarized(bool recording, int cells)
    {
        using var metrics = new ProxyMetrics(recording);
        metrics.Response(TelemetryNames.Inbound, "app.default:80", "r", "b", "", 200, success: true, latencyMs: 1);
        Assert.Equal(cells, metrics.Stats.Drain().Count);
    }
}
