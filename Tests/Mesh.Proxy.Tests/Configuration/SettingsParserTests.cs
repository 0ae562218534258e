using System.Collections;
using System.Net;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Tests.Configuration;

public sealed class SettingsParserTests
{
    [Fact]
    public void Parse_Nothing_GivesLinkerdPortsAndDefaults()
    {
        var s = SettingsParser.Parse([], new Hashtable());
        Assert.Equal(ProxyMode.Sidecar, s.Mode);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 4143), s.InboundAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4140), s.OutboundAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 4191), s.AdminAddress);
        Assert.Equal(new Uri("https://127.0.0.1:8086"), s.ControlAddress);
        Assert.Equal(DefaultInboundPolicy.AllUnauthenticated, s.DefaultInboundPolicy);
    }

    [Fact]
    public void Parse_EnvThenFlags_FlagsWin()
    {
        var env = new Hashtable
        {
            ["MESH_PROXY_WORKLOAD"] = "books",
            ["MESH_PROXY_OUTBOUND_ADDR"] = "127.0.0.1:5000",
            ["MESH_CONTROL_ADDR"] = "http://127.0.0.1:9000",
            ["MESH_PROXY_OPAQUE_PORTS"] = "3306,6379-6380",
        };
        var s = SettingsParser.Parse(["sidecar", "--outbound-addr", "127.0.0.1:0", "--transparent", "--app-addr=127.0.0.1:8080"], env);
        Assert.Equal("books", s.Workload);
        Assert.Equal("books", s.ServiceAccount);
        Assert.Equal(0, s.OutboundAddress.Port);
        Assert.True(s.Transparent);
        Assert.Equal(8080, s.AppPort);
        Assert.Equal(new Uri("http://127.0.0.1:9000"), s.ControlAddress);
        Assert.Equal([3306, 6379, 6380], s.OpaquePorts.Order());
        Assert.Equal("spiffe://cluster.local/ns/default/sa/books", s.Identity);
    }

    [Theory]
    [InlineData("--inbound-addr", "nonsense", "inbound-addr 'nonsense'")]
    [InlineData("--inbound-addr", "127.0.0.1", "inbound-addr '127.0.0.1'")]
    [InlineData("--default-inbound-policy", "maybe", "default-inbound-policy 'maybe'")]
    [InlineData("--opaque-ports", "0", "opaque-ports: '0'")]
    [InlineData("--skip-subnets", "10.0.0.0/99", "skip-subnets: '10.0.0.0/99'")]
    [InlineData("--bogus", "1", "unknown flag '--bogus'")]
    [InlineData("--detect-timeout", "soon", "detect-timeout 'soon'")]
    [InlineData("--detect-timeout", "-1s", "detect-timeout '-1s'")]
    [InlineData("--detect-timeout", "2h", "detect-timeout '2h'")]
    [InlineData("--otlp-endpoint", "127.0.0.1:4317", "otlp-endpoint '127.0.0.1:4317'")]
    [InlineData("--otlp-endpoint", "ftp://collector", "otlp-endpoint 'ftp://collector'")]
    public void Parse_BadValue_NamesTheSetting(string flag, string value, string expected)
    {
        var e = Assert.Throws<FormatException>(() => SettingsParser.Parse([flag, value], new Hashtable()));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void Parse_InitMode_ReadsSkipLists()
    {
        var s = SettingsParser.Parse(["init", "--skip-outbound-ports", "25,587", "--skip-subnets", "10.96.0.0/12", "--remove"], new Hashtable());
        Assert.Equal(ProxyMode.Init, s.Mode);
        Assert.Equal([25, 587], s.SkipOutboundPorts.ToArray());
        Assert.Equal(["10.96.0.0/12"], s.SkipSubnets.ToArray());
        Assert.True(s.Remove);
    }

    [Fact]
    public void Parse_UnknownMode_Throws()
    {
        Assert.Throws<FormatException>(() => SettingsParser.Parse(["gateway-ish"], new Hashtable()));
    }

    [Fact]
    public void Parse_OtlpEndpoint_FromOpenTelemetrysVariable_OursAndFlagsWin()
    {
        Assert.Null(SettingsParser.Parse([], new Hashtable()).OtlpEndpoint);
        var otel = new Hashtable { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://collector:4317" };
        Assert.Equal(new Uri("http://collector:4317"), SettingsParser.Parse([], otel).OtlpEndpoint);
        otel["MESH_PROXY_OTLP_ENDPOINT"] = "http://mine:4317";
        Assert.Equal(new Uri("http://mine:4317"), SettingsParser.Parse([], otel).OtlpEndpoint);
        Assert.Equal(new Uri("https://flag:4317"), SettingsParser.Parse(["--otlp-endpoint", "https://flag:4317"], otel).OtlpEndpoint);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("10s", 10_000)]
    [InlineData("2", 2_000)]
    [InlineData("1m", 60_000)]
    public void Parse_DetectTimeout_AcceptsDurations(string value, int ms)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(ms), SettingsParser.Parse(["--detect-timeout", value], new Hashtable()).DetectTimeout);
    }

    [Fact]
    public void Parse_GatewayMode_DefaultsToAllAuthenticated()
    {
        var s = SettingsParser.Parse(["gateway", "--trust-anchors", "/etc/mesh/anchors.pem"], new Hashtable());
        Assert.Equal(ProxyMode.Gateway, s.Mode);
        Assert.Equal(DefaultInboundPolicy.AllAuthenticated, s.DefaultInboundPolicy);
    }

    [Fact]
    public void Parse_GatewayModeWithoutTrustAnchors_SaysItNeedsThem()
    {
        var e = Assert.Throws<FormatException>(() => SettingsParser.Parse(["gateway"], new Hashtable()));
        Assert.Contains("gateway mode needs --trust-anchors", e.Message);
    }

    [Fact]
    public void Parse_TrustDomain_NamesTheWorkloadsIdentity()
    {
        var s = SettingsParser.Parse(["--namespace", "shop", "--service-account", "books"], new Hashtable { ["MESH_PROXY_TRUST_DOMAIN"] = "west.mesh" });
        Assert.Equal("west.mesh", s.TrustDomain);
        Assert.Equal("spiffe://west.mesh/ns/shop/sa/books", s.Identity);
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/books", SettingsParser.Parse(["--namespace", "shop", "--service-account", "books"], new Hashtable()).Identity);
    }

    [Theory]
    [InlineData("West.Mesh")]
    [InlineData("west/mesh")]
    [InlineData("west mesh")]
    public void Parse_BadTrustDomain_NamesTheSetting(string value)
    {
        var e = Assert.Throws<FormatException>(() => SettingsParser.Parse(["--trust-domain", value], new Hashtable()));
        Assert.Contains($"trust-domain '{value}' is not a trust domain", e.Message);
    }
}
