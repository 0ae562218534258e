using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class VersionCommandTests : FakeSiloTestBase
{
    private const string Info = """
        {"version":"0.1.0","trustDomain":"cluster.local","clusterId":"mesh","siloAddress":"127.0.0.1:11111","storage":"memory","uptimeSeconds":3725.4}
        """;

    [Fact]
    public async Task Version_SiloUp_PrintsClientAndServer()
    {
        Admin.Respond("GET", "/api/v1/info", 200, Info);

        var result = await Cli.RunAsync("version");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Client version: 0.1.0", result.Out);
        Assert.Contains("Server version: 0.1.0", result.Out);
        Assert.Contains("storage memory, up 1h2m", result.Out);
    }

    [Fact]
    public async Task Version_Client_DoesNotContactTheSilo()
    {
        var result = await Cli.RunAsync("version", "--client");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Client version: 0.1.0", result.Out.Trim());
        Assert.Empty(Admin.Requests);
    }

    [Fact]
    public async Task Version_SiloDown_PrintsClientNotesServerUnavailableAndExits2()
    {
        var address = ClosedAddress();
        Cli.Environment["MESH_ADMIN_ADDR"] = address;

        var result = await Cli.RunAsync("version");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("Client version: 0.1.0", result.Out.Trim());
        Assert.Contains($"Server version: unavailable (cannot reach the silo at http://{address})", result.Err);
    }

    [Fact]
    public async Task Version_Json_HasClientAndServerObjects()
    {
        Admin.Respond("GET", "/api/v1/info", 200, Info);

        var result = await Cli.RunAsync("version", "-o", "json");

        var json = JsonNode.Parse(result.Out)!;
        Assert.Equal("0.1.0", json["client"]!["version"]!.GetValue<string>());
        Assert.Equal("mesh", json["server"]!["clusterId"]!.GetValue<string>());
    }
}
