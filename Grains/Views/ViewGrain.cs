using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Orleans.Runtime;
using Orleans.Streams;

namespace Mesh.Grains.Views;

/// <summary>Shared body of the four view grains: keep one versioned value, persist a real change, then publish the
/// whole value on the grain's stream (namespace per view kind, key = grain key). Equal values are no change.</summary>
public abstract class ViewGrain<T> : Grain
{
    private readonly IPersistentState<ViewState<T>> _state;
    private readonly string _streamNamespace;
    private IAsyncStream<Versioned<T>>? _stream;
    // Set while a persisted version has not reached the stream (the publish failed, e.g. the queue's silo died):
    // the next Set, even of an equal value, publishes it again so watchers are not left behind.
    private bool _unpublished;

    protected ViewGrain(IPersistentState<ViewState<T>> state, string streamNamespace)
    {
        _state = state;
        _streamNamespace = streamNamespace;
    }

    /// <summary>The value a never-set grain reports (e.g. an empty endpoint set).</summary>
    protected abstract T Initial(string ns, string name);

    protected Task<Versioned<T>> GetCoreAsync()
    {
        var s = _state.State;
        if (s.Version != 0) return Task.FromResult(new Versioned<T>(s.Version, s.Value!));
        var (ns, name) = MeshNames.SplitKey(this.GetPrimaryKeyString());
        return Task.FromResult(new Versioned<T>(0, Initial(ns, name)));
    }

    protected async Task<long> SetCoreAsync(T value)
    {
        var current = (await GetCoreAsync()).Value;
        if (ViewEquality.Equal(current, value))
        {
            if (_unpublished) await PublishAsync(new Versioned<T>(_state.State.Version, current));
            return _state.State.Version;
        }

        var next = new ViewState<T> { Version = _state.State.Version + 1, Value = value };
        var previous = _state.State;
        _state.State = next;
        try { await _state.WriteStateAsync(); }
        catch { _state.State = previous; throw; }

        _unpublished = true;
        await PublishAsync(new Versioned<T>(next.Version, value));
        return next.Version;
    }

    private async Task PublishAsync(Versioned<T> item)
    {
        _stream ??= this.GetStreamProvider(MeshNames.StreamProvider)
            .GetStream<Versioned<T>>(StreamId.Create(_streamNamespace, this.GetPrimaryKeyString()));
        await _stream.OnNextAsync(item);
        _unpublished = false;
    }
}
