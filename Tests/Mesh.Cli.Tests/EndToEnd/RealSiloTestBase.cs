using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>A real silo for CLI end-to-end tests: `mesh silo` as a child process on free ports in the test CLI's temp
/// data dir, which the CLI finds through &lt;data-dir&gt;/silo.json and admin-token alone, as a user's shell would.</summary>
public abstract class RealSiloTestBase : IAsyncLifetime
{
    private ChildProcess? _silo;

    private protected TestCli Cli { get; } = new();

    public async Task InitializeAsync()
    {
        var mesh = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");
        _silo = ChildProcess.Start("silo", mesh,
            ["silo", "--admin-addr", "127.0.0.1:0", "--control-addr", "127.0.0.1:0", "--data-dir", Cli.DataDirectory],
            new Dictionary<string, string?> { ["MESH_ADMIN_ADDR"] = null, ["MESH_CONTROL_ADDR"] = null, ["MESH_TOKEN"] = null, ["MESH_REDIS"] = null });
        await _silo.WaitForLineAsync(new Regex("mesh-silo: ready"), TimeSpan.FromSeconds(60));
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
            await _silo.DisposeAsync();
        Cli.Dispose();
    }
}
