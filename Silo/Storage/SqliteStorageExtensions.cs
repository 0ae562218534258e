using Orleans.Runtime.Hosting;
using Orleans.Storage;

namespace Mesh.Silo.Storage;

/// <summary>Registers a grain-storage provider backed by the silo's one <see cref="LocalStateStore"/>.</summary>
internal static class SqliteStorageExtensions
{
    public static ISiloBuilder AddSqliteGrainStorage(this ISiloBuilder silo, string name)
    {
        silo.Services.AddGrainStorage(name, (sp, key) =>
            new SqliteGrainStorage(key, sp.GetRequiredService<LocalStateStore>(), sp.GetRequiredService<IGrainStorageSerializer>()));
        return silo;
    }
}
