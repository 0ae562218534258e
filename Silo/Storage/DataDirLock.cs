namespace Mesh.Silo.Storage;

/// <summary>An exclusive lock on &lt;data-dir&gt;/silo.lock for as long as a local silo runs, so a second silo on
/// the same data dir refuses to start instead of writing the same state file behind the first one's grains. The lock
/// is an advisory flock (what .NET does for FileShare.None on Unix), released by the kernel when the process dies, so
/// a SIGKILLed silo never leaves a stale lock behind.</summary>
internal sealed class DataDirLock : IDisposable
{
    private readonly FileStream _file;

    private DataDirLock(FileStream file) => _file = file;

    public static DataDirLock Acquire(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        try
        {
            var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            file.SetLength(0);
            using (var writer = new StreamWriter(file, leaveOpen: true)) writer.Write(Environment.ProcessId);
            file.Flush();
            return new DataDirLock(file);
        }
        catch (IOException e)
        {
            throw new StateStoreException(
                $"data dir {Path.GetDirectoryName(path)} is in use by another silo ({path} is locked); stop that silo, " +
                "or start this one with another --data-dir (MESH_DATA_DIR)", e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StateStoreException($"cannot open {path}: {e.Message}; make the data dir writable by this user", e);
        }
    }

    public void Dispose() => _file.Dispose();
}
