using System.Diagnostics;
using Mesh.Silo.Storage;

namespace Mesh.ControlPlane.Tests.Storage;

/// <summary>Opening the local state store: a damaged file, a file another process holds and a data dir another silo
/// uses are each refused with a message naming the file and the fix, and nothing is deleted or rewritten.</summary>
public sealed class LocalStateStoreTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-store-test-").FullName;

    private string StatePath => Path.Combine(_dir, "state.db");
    private string LockPath => Path.Combine(_dir, "silo.lock");

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Open_NotADatabase_RefusesNamingTheFileAndLeavesItAlone()
    {
        var garbage = new byte[8192];
        new Random(7).NextBytes(garbage);
        File.WriteAllBytes(StatePath, garbage);

        var e = Assert.Throws<StateStoreException>(() => LocalStateStore.Open(StatePath, LockPath));

        Assert.Contains(StatePath, e.Message);
        Assert.Contains($"mv {StatePath} {StatePath}.broken", e.Message);
        Assert.Equal(garbage, File.ReadAllBytes(StatePath));
        // The lock was released with the failure: a fixed file can be opened by the next start.
        File.Delete(StatePath);
        using var store = LocalStateStore.Open(StatePath, LockPath);
    }

    [Fact]
    public void Open_DamagedPages_RefusesNamingTheFile()
    {
        using (var store = LocalStateStore.Open(StatePath, lockPath: null))
            for (var i = 0; i < 50; i++)
                Assert.NotNull(store.WriteAsync("s", $"grain-{i}", "state", null, new byte[2000]).GetAwaiter().GetResult());
        // Keep the header (so it still looks like SQLite), overwrite the pages behind it.
        var bytes = File.ReadAllBytes(StatePath);
        for (var i = 4096; i < bytes.Length; i++) bytes[i] = 0x5A;
        File.WriteAllBytes(StatePath, bytes);
        File.Delete(StatePath + "-wal");

        var e = Assert.Throws<StateStoreException>(() => LocalStateStore.Open(StatePath, LockPath));
        Assert.Contains(StatePath, e.Message);
        Assert.Equal(bytes, File.ReadAllBytes(StatePath));
    }

    [Fact]
    public void Open_DataDirLockedBySomeoneElse_RefusesNamingTheDataDir()
    {
        using var first = LocalStateStore.Open(StatePath, LockPath);

        var e = Assert.Throws<StateStoreException>(() => LocalStateStore.Open(StatePath, LockPath));

        Assert.Contains("in use by another silo", e.Message);
        Assert.Contains(_dir, e.Message);
        Assert.Contains("--data-dir", e.Message);
    }

    [Fact]
    public void Open_FileLockedExclusivelyByAnotherProcess_RefusesSayingItIsLocked()
    {
        using (LocalStateStore.Open(StatePath, lockPath: null)) { }
        // An sqlite3 shell (python3's sqlite3 module) holding an exclusive transaction on the file.
        var psi = new ProcessStartInfo("python3")
        {
            ArgumentList =
            {
                "-c",
                "import sqlite3,sys\nc=sqlite3.connect(sys.argv[1],isolation_level=None)\nc.execute('PRAGMA journal_mode=DELETE')\nc.execute('BEGIN EXCLUSIVE')\nprint('locked',flush=True)\nsys.stdin.read()",
                StatePath,
            },
            RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false,
        };
        using var holder = Process.Start(psi)!;
        try
        {
            Assert.Equal("locked", holder.StandardOutput.ReadLine());
            var e = Assert.Throws<StateStoreException>(() => LocalStateStore.Open(StatePath, LockPath));
            Assert.Contains(StatePath, e.Message);
            Assert.Contains("locked", e.Message);
        }
        finally
        {
            holder.StandardInput.Close();
            holder.WaitForExit(10_000);
            if (!holder.HasExited) holder.Kill();
        }
    }

    [Fact]
    public async Task Write_AfterTheStoreIsReopened_IsThere()
    {
        string? etag;
        using (var store = LocalStateStore.Open(StatePath, LockPath))
            etag = await store.WriteAsync("s", "g", "state", null, [1, 2, 3]);
        using var reopened = LocalStateStore.Open(StatePath, LockPath);
        var row = await reopened.ReadAsync("s", "g", "state");
        Assert.Equal([1, 2, 3], row!.Data);
        Assert.Equal(etag, row.ETag);
    }
}
