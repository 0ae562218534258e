using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Names;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Grains.Federation;

/// <summary>The link to one remote cluster (key: its name, the Link's name in namespace mesh). While the Link exists
/// it holds the federation watch (<see cref="ILinkWatcher"/>) and turns each snapshot and delta into mirror writes
/// (<see cref="MirrorWriter"/>). A lost stream leaves the mirrors as they were (FederationConnected=False) and is
/// reconnected with backoff; each new stream starts with a snapshot, which is diffed against the link's resources in
/// the catalog once. A timer keeps the grain active and retries mirrors waiting on a namespace or a name conflict.</summary>
public sealed partial class LinkGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<LinkGrainState> state,
    IServiceProvider services,
    ILogger<LinkGrain> logger) : Grain, ILinkGrain
{
    /// <summary>Epochs reserved per storage write: one write per activation instead of one per batch.</summary>
    private const long EpochBlock = 1_000_000;
    internal static readonly TimeSpan ResyncPeriod = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly ILinkWatcher _watcher = services.GetRequiredService<ILinkWatcher>();
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    // Mirror writes come from the watch loop and the resync timer, which interleave at awaits: one at a time.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private MirrorWriter? _writer;
    private string? _linkJson;
    private CancellationTokenSource? _stop;
    private Task? _watch;
    private IGrainTimer? _resync;
    private long _nextEpoch;
    private LinkCondition _connected = null!;
    private DateTimeOffset? _lastMessage;

    private string Cluster => this.GetPrimaryKeyString();
    private MirrorWriter Writer => _writer ??= new MirrorWriter(GrainFactory, Cluster, NextEpochAsync);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _connected = Condition(false, "NotStarted", "no federation stream yet");
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => await StopAsync();

    public async Task RefreshAsync()
    {
        var stored = await GrainFactory.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).GetAsync(ResourceKinds.Link.Kind, Cluster);
        if (stored?.Json == _linkJson) return;
        await StopAsync();
        _linkJson = stored?.Json;
        if (stored is null)
        {
            _connected = Condition(false, "Unlinked", $"no Link {Cluster} in namespace {KubernetesObjects.Namespace}; its mirrors stay until `mesh multicluster unlink {Cluster}`");
            _resync?.Dispose();
            _resync = null;
            return;
        }
        var link = ResourceJson.Deserialize<LinkResource>(stored.Json);
        _stop = new CancellationTokenSource();
        _watch = WatchLoopAsync(link, _stop.Token);
        _resync ??= this.RegisterGrainTimer(ResyncAsync, new GrainTimerCreationOptions(ResyncPeriod, ResyncPeriod) { KeepAlive = true, Interleave = true });
    }

    public async Task<ImmutableArray<string>> UnlinkAsync()
    {
        await StopAsync();
        _linkJson = null;
        _resync?.Dispose();
        _resync = null;
        var deleted = ImmutableArray.CreateBuilder<string>();
        await _writing.WaitAsync();
        try
        {
            foreach (var ns in await Writer.OwnedNamespacesAsync()) deleted.AddRange(await Writer.DeleteOwnedAsync(ns));
            Writer.Clear();
        }
        finally { _writing.Release(); }
        _connected = Condition(false, "Unlinked", $"unlinked: the Link and every resource of source {Writer.Source} were deleted");
        return deleted.ToImmutable();
    }

    public Task<LinkStatus> GetStatusAsync() =>
        Task.FromResult(new LinkStatus(_connected, _writer?.Conditions ?? [], _lastMessage));

    private async Task StopAsync()
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        // The loop finishes the write it is in, so nothing of it lands after an unlink's deletes.
        try { await _watch!; }
        catch (OperationCanceledException) { }
        _stop.Dispose();
        _stop = null;
        _watch = null;
    }

    private async Task WatchLoopAsync(LinkResource link, CancellationToken ct)
    {
        var backoff = MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await foreach (var update in _watcher.WatchAsync(link, ct))
                {
                    _lastMessage = _time.GetUtcNow();
                    if (update is LinkSnapshot)
                    {
                        if (!_connected.Status) _connected = Condition(true, "Connected", $"watching the exports of cluster {Cluster} at {link.Spec.FederationAddress}");
                        backoff = MinBackoff;
                    }
                    await ApplyAsync(update);
                }
                Lost("StreamEnded", $"cluster {Cluster} ended the federation stream; mirrors keep their last state; reconnecting");
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Lost(e is LinkRefusedException ? "Refused" : "Unreachable",
                    $"{link.Spec.FederationAddress}: {e.Message}; mirrors keep their last state; reconnecting");
                Log.StreamLost(logger, Cluster, e.Message);
            }
            try { await Task.Delay(backoff, _time, ct); }
            catch (OperationCanceledException) { return; }
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    private void Lost(string reason, string message)
    {
        if (_connected.Status || _connected.Reason != reason || _connected.Message != message) _connected = Condition(false, reason, message);
    }

    private async Task ApplyAsync(LinkEvent update)
    {
        await _writing.WaitAsync();
        try
        {
            switch (update)
            {
                case LinkSnapshot snapshot:
                    var namespaces = Writer.ReplaceAll(snapshot.Mirrors).Union(await Writer.OwnedNamespacesAsync());
                    foreach (var ns in namespaces.Order(StringComparer.Ordinal)) await SyncAsync(ns);
                    break;
                case LinkUpsert upsert:
                    await SyncAsync(Writer.Upsert(upsert.Mirror));
                    break;
                case LinkRemove remove:
                    await SyncAsync(Writer.Remove(remove.Namespace, remove.RemoteName));
                    break;
            }
        }
        finally { _writing.Release(); }
    }

    /// <summary>Namespaces with wanted mirrors are synced again: one whose local Service (the name conflict) was
    /// deleted, or that got its first resource, or whose federated member changed, gets its mirrors now.</summary>
    private async Task ResyncAsync(CancellationToken ct)
    {
        if (_writer is null || !_writing.Wait(0)) return;
        try
        {
            foreach (var ns in _writer.DesiredNamespaces.ToList()) await SyncAsync(ns);
        }
        finally { _writing.Release(); }
    }

    /// <summary>A namespace whose write fails (storage, a refusal) is left as it was; the resync timer tries again.</summary>
    private async Task SyncAsync(string ns)
    {
        try { await Writer.SyncAsync(ns); }
        catch (Exception e) { Log.ResyncFailed(logger, Cluster, ns, e.Message); }
    }

    private async Task<long> NextEpochAsync()
    {
        if (_nextEpoch == 0 || _nextEpoch >= state.State.EpochCeiling)
        {
            var from = Math.Max(_nextEpoch, state.State.EpochCeiling);
            state.State = state.State with { EpochCeiling = from + EpochBlock };
            await state.WriteStateAsync();
            _nextEpoch = from;
        }
        return ++_nextEpoch;
    }

    private LinkCondition Condition(bool status, string reason, string message) =>
        new(LinkConditions.FederationConnected, status, reason, message, _time.GetUtcNow());

    private static partial class Log
    {
        [LoggerMessage(EventId = 7401, Level = LogLevel.Warning, Message = "Link {Cluster}: federation stream lost: {Error}")]
        public static partial void StreamLost(ILogger logger, string cluster, string error);

        [LoggerMessage(EventId = 7402, Level = LogLevel.Warning, Message = "Link {Cluster}: syncing mirrors in {Namespace} failed: {Error}")]
        public static partial void ResyncFailed(ILogger logger, string cluster, string @namespace, string error);
    }
}

/// <summary>The remote side answered, but not as the Link says it should (another cluster's name, a protocol
/// violation): reported as such, and retried like a lost stream.</summary>
public sealed class LinkRefusedException(string message) : Exception(message);

[GenerateSerializer, Alias("mesh.LinkGrainState")]
public sealed record LinkGrainState
{
    /// <summary>Every epoch this link used in any namespace is below this (see <see cref="LinkGrain"/>).</summary>
    [Id(0)] public long EpochCeiling { get; init; }
}
