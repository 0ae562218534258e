using Orleans.Storage;

namespace Mesh.Silo.Storage;

/// <summary>Orleans grain storage over the silo's <see cref="LocalStateStore"/>: one provider per store name
/// (grain state, stream pub-sub), all in the same file. State is encoded with the storage serializer the silo
/// configures (OrleansSetup: the Orleans serializer); an ETag mismatch is an <see cref="InconsistentStateException"/>,
/// as Orleans expects, so a stale activation never overwrites a newer write.</summary>
internal sealed class SqliteGrainStorage(string name, LocalStateStore store, IGrainStorageSerializer serializer) : IGrainStorage
{
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var row = await store.ReadAsync(name, grainId.ToString(), stateName);
        if (row is null)
        {
            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }
        grainState.State = serializer.Deserialize<T>(new BinaryData(row.Data));
        grainState.ETag = row.ETag;
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var data = serializer.Serialize(grainState.State).ToArray();
        var etag = await store.WriteAsync(name, grainId.ToString(), stateName, grainState.ETag, data)
            ?? throw Conflict("write", stateName, grainId, grainState.ETag);
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (!await store.DeleteAsync(name, grainId.ToString(), stateName, grainState.ETag))
            throw Conflict("clear", stateName, grainId, grainState.ETag);
        grainState.ETag = null;
        grainState.RecordExists = false;
        grainState.State = Activator.CreateInstance<T>();
    }

    private InconsistentStateException Conflict(string what, string stateName, GrainId grainId, string? etag) =>
        new($"{what} of {stateName} for {grainId} in {name} ({store.Path}): the stored ETag is not '{etag ?? "(none)"}'; another activation wrote it since",
            storedEtag: "unknown", currentEtag: etag ?? "");
}
