using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>`identity` and `check` against the real silo (a `mesh silo` child process on free ports in a temp data
/// dir, found through &lt;data-dir&gt;/silo.json and admin-token as a user's shell would).</summary>
[Trait("Category", "E2E")]
public sealed class IdentityCheckEndToEndTests : RealSiloTestBase
{
    [Fact]
    public async Task TokenListRotateCheck_FreshSilo_AllWork()
    {
        var token = await Cli.RunAsync("identity", "token", "default/books", "--ttl", "1h");
        Assert.True(token.ExitCode == 0, token.ToString());
        var line = Assert.Single(TableText.Lines(token.Out));
        Assert.DoesNotContain(' ', line);
        Assert.True(line.Length > 20, line);

        var list = await Cli.RunAsync("identity", "list", "-o", "json");
        Assert.True(list.ExitCode == 0, list.ToString());
        var ids = JsonNode.Parse(list.Out)!;
        Assert.Equal("cluster.local", ids["trustDomain"]!.GetValue<string>());
        Assert.Single(ids["anchors"]!.AsArray());
        var serial = ids["issuer"]!["serial"]!.GetValue<string>();

        var table = await Cli.RunAsync("identity", "list");
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Matches(@"Trust anchor: +CN=mesh trust anchor cluster\.local\r?\n +serial \S+, not after \S+, \d{4} days left", table.Out);
        Assert.Matches(@"Issuer: +CN=mesh issuer cluster\.local.*\r?\n +serial \S+, not after \S+, 36\d days left", table.Out);

        var rotated = await Cli.RunAsync("identity", "rotate-issuer", "-o", "json");
        Assert.True(rotated.ExitCode == 0, rotated.ToString());
        var newSerial = JsonNode.Parse(rotated.Out)!["issuer"]!["serial"]!.GetValue<string>();
        Assert.NotEqual(serial, newSerial);
        var after = JsonNode.Parse((await Cli.RunAsync("identity", "list", "-o", "json")).Out)!;
        Assert.Equal(newSerial, after["issuer"]!["serial"]!.GetValue<string>());

        var check = await Cli.RunAsync("check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("√ silo is reachable", check.Out);
        Assert.Contains("√ silo and storage are healthy (sqlite)", check.Out);
        Assert.Contains("√ clocks of this machine and the silo agree", check.Out);
        Assert.Contains("√ trust anchor is valid", check.Out);
        Assert.Contains("√ issuer is valid", check.Out);
        Assert.Contains("√ proxies are connected and certified (no proxies have reported yet)", check.Out);
        Assert.DoesNotContain("×", check.Out);
        Assert.DoesNotContain("‼", check.Out);

        var stat = await Cli.RunAsync("stat", "-A", "-o", "json");
        Assert.True(stat.ExitCode == 0, stat.ToString());
        Assert.Empty(JsonNode.Parse(stat.Out)!.AsArray());
        var statTable = await Cli.RunAsync("stat");
        Assert.Equal(0, statTable.ExitCode);
        Assert.Contains("No stats in namespace default", statTable.Err);
    }

    [Fact]
    public async Task TokenAndRotate_WrongAdminToken_Exit1()
    {
        Cli.Environment["MESH_TOKEN"] = "wrong";

        var token = await Cli.RunAsync("identity", "token", "default/books");
        var rotate = await Cli.RunAsync("identity", "rotate-issuer");

        Assert.Equal(1, token.ExitCode);
        Assert.Equal("", token.Out);
        Assert.Contains("not authorized", token.Err);
        Assert.Equal(1, rotate.ExitCode);
        Assert.Contains("not authorized", rotate.Err);
    }
}
