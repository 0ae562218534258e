using System.Collections;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Init;

namespace Mesh.Proxy.Tests.Init;

public sealed class IptablesInitTests
{
    private static List<string> Rules(params string[] args) =>
        IptablesInit.WriteCommands(SettingsParser.Parse(["init", .. args], new Hashtable())).Select(c => string.Join(' ', c.Args)).ToList();

    [Fact]
    public void WriteCommands_Defaults_RedirectInboundTo4143AndOutboundTo4140_ExemptingUidAndLoopback()
    {
        var rules = Rules();
        Assert.Contains("-t nat -A MESH_PROXY_INBOUND -p tcp -j REDIRECT --to-ports 4143", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -p tcp -j REDIRECT --to-ports 4140", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -m owner --uid-owner 2102 -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -o lo -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_INBOUND -p tcp --dport 4191 -j RETURN", rules);
        // Exemptions come before the redirect.
        Assert.True(rules.IndexOf("-t nat -A MESH_PROXY_OUTPUT -o lo -j RETURN") < rules.IndexOf("-t nat -A MESH_PROXY_OUTPUT -p tcp -j REDIRECT --to-ports 4140"));
    }

    [Fact]
    public void WriteCommands_SkipLists_BecomeReturnRules_AndJumpsAreCheckedFirst()
    {
        var commands = IptablesInit.WriteCommands(SettingsParser.Parse(
            ["init", "--skip-inbound-ports", "22", "--skip-outbound-ports", "5432", "--skip-subnets", "10.96.0.0/12", "--proxy-uid", "1337"], new Hashtable()));
        var rules = commands.Select(c => string.Join(' ', c.Args)).ToList();
        Assert.Contains("-t nat -A MESH_PROXY_INBOUND -p tcp --dport 22 -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -p tcp --dport 5432 -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -d 10.96.0.0/12 -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -m owner --uid-owner 1337 -j RETURN", rules);
        var jumps = commands.Where(c => c.Check is not null).ToList();
        Assert.Equal(2, jumps.Count);
        Assert.All(jumps, j => Assert.Contains("-C", j.Check!));
    }

    [Fact]
    public void RemoveCommands_DeleteJumpsThenChains()
    {
        var rules = IptablesInit.RemoveCommands().Select(a => string.Join(' ', a)).ToList();
        Assert.Equal("-t nat -D PREROUTING -p tcp -j MESH_PROXY_INBOUND", rules[0]);
        Assert.Contains("-t nat -X MESH_PROXY_OUTPUT", rules);
    }
}
