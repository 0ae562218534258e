using Microsoft.Data.Sqlite;

namespace Mesh.Silo.Storage;

/// <summary>One row of <see cref="LocalStateStore"/>: the serialized state and the ETag that guards its next write.</summary>
internal sealed record StoredState(byte[] Data, string ETag);

/// <summary>The durable state of a local (single) silo: one SQLite file, &lt;data-dir&gt;/state.db, holding every
/// grain-storage provider's rows keyed by (store, grain id, state name). Writes are optimistic: each carries the ETag
/// it read and fails when the row changed since (or exists when it was expected not to).
/// <para>Durability: WAL journal with synchronous=FULL, so a write that returned is on disk (the WAL is fsynced on
/// commit) and survives SIGKILL of the silo and a power cut alike; NORMAL would survive SIGKILL too but can lose the
/// last commits on power loss. Writes are serialized here (SQLite has one writer anyway), reads run beside them.</para></summary>
internal sealed class LocalStateStore : IDisposable, ILifecycleParticipant<ISiloLifecycle>
{
    private const string Schema = """
        CREATE TABLE IF NOT EXISTS grain_state (
            store TEXT NOT NULL,
            grain_id TEXT NOT NULL,
            state_name TEXT NOT NULL,
            etag INTEGER NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (store, grain_id, state_name)
        ) WITHOUT ROWID;
        """;

    private readonly string _connectionString;
    private readonly SemaphoreSlim _writer = new(1, 1);
    private readonly DataDirLock? _lock;

    private LocalStateStore(string path, string connectionString, DataDirLock? dataDirLock)
    {
        Path = path;
        _connectionString = connectionString;
        _lock = dataDirLock;
    }

    public string Path { get; }

    /// <summary>Takes the data dir's lock (when <paramref name="lockPath"/> is given), opens or creates the file,
    /// checks it and creates the table. Every failure is a <see cref="StateStoreException"/> naming the file and the
    /// fix; nothing is deleted or rewritten.</summary>
    public static LocalStateStore Open(string path, string? lockPath)
    {
        var dataDirLock = lockPath is null ? null : DataDirLock.Acquire(lockPath);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            var connectionString = new SqliteConnectionStringBuilder
            {
                DataSource = path,
                Mode = SqliteOpenMode.ReadWriteCreate,
                Pooling = true,
                DefaultTimeout = 10,
            }.ToString();
            var store = new LocalStateStore(path, connectionString, dataDirLock);
            store.Initialize();
            return store;
        }
        catch
        {
            dataDirLock?.Dispose();
            throw;
        }
    }

    private void Initialize()
    {
        try
        {
            using var connection = Connect();
            var mode = Scalar(connection, "PRAGMA journal_mode=WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                throw new StateStoreException($"state store {Path}: SQLite refused WAL mode (journal_mode={mode}); is the data dir on a network file system? Use a local disk for --data-dir");
            var check = Scalar(connection, "PRAGMA quick_check;");
            if (!string.Equals(check, "ok", StringComparison.Ordinal))
                throw Corrupt(check ?? "quick_check gave no answer", null);
            using var create = connection.CreateCommand();
            create.CommandText = Schema;
            create.ExecuteNonQuery();
        }
        catch (SqliteException e)
        {
            throw e.SqliteErrorCode switch
            {
                5 or 6 => new StateStoreException( // SQLITE_BUSY, SQLITE_LOCKED
                    $"state store {Path} is locked by another process ({e.Message}); stop whatever holds it (another silo, an sqlite3 shell) and start again", e),
                8 or 14 => new StateStoreException( // SQLITE_READONLY, SQLITE_CANTOPEN
                    $"cannot open state store {Path} ({e.Message}); make it and its directory writable by this user", e),
                _ => Corrupt(e.Message, e),
            };
        }
    }

    private StateStoreException Corrupt(string why, Exception? inner) => new(
        $"state store {Path} is damaged or not a SQLite database ({why}); nothing was deleted. Move it away to start with " +
        $"an empty mesh (mv {Path} {Path}.broken; also move any {Path}-wal and {Path}-shm), or restore it from a backup", inner);

    public Task<StoredState?> ReadAsync(string store, string grainId, string stateName) => Task.Run(() =>
    {
        using var connection = Connect();
        using var read = connection.CreateCommand();
        read.CommandText = "SELECT data, etag FROM grain_state WHERE store = $store AND grain_id = $grain AND state_name = $name;";
        Key(read, store, grainId, stateName);
        using var row = read.ExecuteReader();
        return row.Read() ? new StoredState((byte[])row.GetValue(0), row.GetInt64(1).ToString(System.Globalization.CultureInfo.InvariantCulture)) : null;
    });

    /// <summary>Inserts (when <paramref name="etag"/> is null) or replaces the row written with that ETag; returns the
    /// new ETag, or null when the row is not what the caller last saw.</summary>
    public Task<string?> WriteAsync(string store, string grainId, string stateName, string? etag, byte[] data) => Serialized(connection =>
    {
        using var write = connection.CreateCommand();
        if (etag is null)
        {
            write.CommandText = """
                INSERT INTO grain_state (store, grain_id, state_name, etag, data) VALUES ($store, $grain, $name, 1, $data)
                ON CONFLICT DO NOTHING RETURNING etag;
                """;
        }
        else
        {
            if (!long.TryParse(etag, out var expected)) return null;
            write.CommandText = """
                UPDATE grain_state SET etag = etag + 1, data = $data
                WHERE store = $store AND grain_id = $grain AND state_name = $name AND etag = $etag RETURNING etag;
                """;
            write.Parameters.AddWithValue("$etag", expected);
        }
        Key(write, store, grainId, stateName);
        write.Parameters.AddWithValue("$data", data);
        var next = write.ExecuteScalar();
        return next is long n ? n.ToString(System.Globalization.CultureInfo.InvariantCulture) : null;
    });

    /// <summary>Deletes the row written with <paramref name="etag"/> (null: there must be no row); false when the row is
    /// not what the caller last saw.</summary>
    public Task<bool> DeleteAsync(string store, string grainId, string stateName, string? etag) => Serialized(connection =>
    {
        using var delete = connection.CreateCommand();
        if (etag is null)
        {
            delete.CommandText = "SELECT COUNT(*) FROM grain_state WHERE store = $store AND grain_id = $grain AND state_name = $name;";
            Key(delete, store, grainId, stateName);
            return (long)delete.ExecuteScalar()! == 0;
        }
        if (!long.TryParse(etag, out var expected)) return false;
        delete.CommandText = "DELETE FROM grain_state WHERE store = $store AND grain_id = $grain AND state_name = $name AND etag = $etag;";
        Key(delete, store, grainId, stateName);
        delete.Parameters.AddWithValue("$etag", expected);
        return delete.ExecuteNonQuery() == 1;
    });

    private async Task<T> Serialized<T>(Func<SqliteConnection, T> write)
    {
        await _writer.WaitAsync();
        try
        {
            return await Task.Run(() =>
            {
                using var connection = Connect();
                return write(connection);
            });
        }
        finally { _writer.Release(); }
    }

    /// <summary>A pooled connection with this store's per-connection settings (synchronous is not a connection-string
    /// keyword, and a pooled connection keeps it, but setting it again is cheap and makes no assumption).</summary>
    private SqliteConnection Connect()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA synchronous=FULL;";
        pragma.ExecuteNonQuery();
        return connection;
    }

    private static void Key(SqliteCommand command, string store, string grainId, string stateName)
    {
        command.Parameters.AddWithValue("$store", store);
        command.Parameters.AddWithValue("$grain", grainId);
        command.Parameters.AddWithValue("$name", stateName);
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar()?.ToString();
    }

    /// <summary>Nothing to start (the file was opened and checked before the host was built); taking part only makes
    /// the host resolve, and so later dispose, this store.</summary>
    public void Participate(ISiloLifecycle lifecycle) { }

    public void Dispose()
    {
        // Closes the pooled connections so the file (and its WAL) is checkpointed and released before the lock is.
        using (var connection = new SqliteConnection(_connectionString)) SqliteConnection.ClearPool(connection);
        _lock?.Dispose();
        _writer.Dispose();
    }
}
