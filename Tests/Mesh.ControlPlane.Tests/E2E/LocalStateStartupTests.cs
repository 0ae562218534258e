using System.Diagnostics;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.E2E;

/// <summary>A real mesh-silo process refusing a state store it cannot use: exit code 2, a message naming the file and
/// the fix, nothing deleted.</summary>
[Trait("Category", "E2E")]
public sealed class LocalStateStartupTests
{
    private static async Task<(int Exit, string Err)> RunSiloAsync(string dataDir)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "mesh-silo.dll") },
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        psi.Environment["MESH_ADMIN_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_CONTROL_ADDR"] = "127.0.0.1:0";
        psi.Environment["MESH_DATA_DIR"] = dataDir;
        psi.Environment.Remove("MESH_REDIS");
        psi.Environment.Remove("MESH_EPHEMERAL");
        using var process = Process.Start(psi)!;
        var err = process.StandardError.ReadToEndAsync();
        _ = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"mesh-silo did not refuse to start within 60 s:\n{await err}");
        }
        return (process.ExitCode, await err);
    }

    [Fact]
    public async Task Start_SecondSiloOnTheSameDataDir_Exit2NamingTheDataDir()
    {
        await using var first = await SiloProcess.StartAsync(new Dictionary<string, string>());

        var (exit, err) = await RunSiloAsync(first.DataDir);

        Assert.True(exit == 2, $"exit {exit}\n{err}");
        Assert.Contains($"data dir {first.DataDir} is in use by another silo", err);
        // The first one is untouched and still answers.
        using var admin = first.AdminClient();
        Assert.Equal("ok", await admin.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task Start_StateFileNotADatabase_Exit2WithTheFixAndTheFileKept()
    {
        var dir = Directory.CreateTempSubdirectory("mesh-silo-corrupt-").FullName;
        try
        {
            var state = Path.Combine(dir, "state.db");
            var junk = "this is not a SQLite database, but someone's precious notes\n"u8.ToArray();
            await File.WriteAllBytesAsync(state, junk);

            var (exit, err) = await RunSiloAsync(dir);

            Assert.True(exit == 2, $"exit {exit}\n{err}");
            Assert.Contains($"state store {state} is damaged or not a SQLite database", err);
            Assert.Contains($"mv {state} {state}.broken", err);
            Assert.DoesNotContain("is another silo using these ports", err);
            Assert.Equal(junk, await File.ReadAllBytesAsync(state));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
