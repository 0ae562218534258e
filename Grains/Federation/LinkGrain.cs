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
/// the catalog once. A timer keeps the grain active and retries mirrors waiting on a namespace or a name conflict.
/// Beside the watch, a probe loop (<see cref="IGatewayProber"/>) checks the gateway every <c>probeSpec.period</c>; the
/// verdict (<see cref="GatewayHealth"/>) decides whether gateway-mode mirrors are written ready or not ready.</summary>
public sealed partial class LinkGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<LinkGrainState> state,
    IServiceProvider services,
    ILogger<LinkGrain> logger) : Grain, ILinkGrain
{
    /// <summary>Epochs reserved per storage write: one write per activation instead of one per batch.</summary>
    private const long EpochBlock = 1_000_000;
    internal static readonly TimeSpan ResyncPeriod = TimeSpan.FromSeconds(2);
    /// <summary>Resync ticks per sync of every namespace (the others sync only namespaces with a mirror waiting).</summary>
    private const int FullSweepEvery = 15;
    private static readonly TimeSpan MinBackoff = TimeSpan.FromMilliseconds(200), MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly ILinkWatcher _watcher = services.GetRequiredService<ILinkWatcher>();
    private readonly IGatewayProber _prober = services.GetRequiredService<IGatewayProber>();
    private readonly IGatewayHealthReporter? _reporter = services.GetService<IGatewayHealthReporter>();
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    // Mirror writes come from the watch loop and the resync timer, which interleave at awaits: one at a time.
    private readonly SemaphoreSlim _writing = new(1, 1);
    private MirrorWriter? _writer;
    private string? _linkJson;
    private CancellationTokenSource? _stop;
    private Task? _watch, _probe;
    private IGrainTimer? _resync;
    private long _nextEpoch;
    private long _resyncTicks;
    private LinkCondition _connected = null!;
    private DateTimeOffset? _lastMessage;
    private GatewayHealth _health = GatewayHealth.Assumed;
    private LinkCondition _gatewayAlive = null!;
    // The gateway the last snapshot named (the Link's, else the cluster's); until one arrives, the Link's own.
    private GatewayTarget? _snapshotGateway;
    // The remote cluster's trust anchors as its last snapshot named them; kept across reconnects, like the mirrors.
    private ImmutableArray<string> _remoteAnchors = [];

    private string Cluster => this.GetPrimaryKeyString();
    private MirrorWriter Writer => _writer ??= new MirrorWriter(GrainFactory, Cluster, NextEpochAsync);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _connected = Condition(false, "NotStarted", "no federation stream yet");
        _gatewayAlive = GatewayCondition(_health, null);
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await StopAsync();
        _reporter?.Forget(Cluster);
    }

    public async Task RefreshAsync()
    {
        var stored = await GrainFactory.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).GetAsync(ResourceKinds.Link.Kind, Cluster);
        if (stored?.Json == _linkJson) return;
        await StopAsync();
        _linkJson = stored?.Json;
        _snapshotGateway = null;
        if (stored is null)
        {
            _connected = Condition(false, "Unlinked", $"no Link {Cluster} in namespace {KubernetesObjects.Namespace}; its mirrors stay until `mesh multicluster unlink {Cluster}`");
            _resync?.Dispose();
            _resync = null;
            _reporter?.Forget(Cluster);
            return;
        }
        var link = ResourceJson.Deserialize<LinkResource>(stored.Json);
        _stop = new CancellationTokenSource();
        _watch = WatchLoopAsync(link, _stop.Token);
        _probe = ProbeLoopAsync(link, _stop.Token);
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
        _reporter?.Forget(Cluster);
        return deleted.ToImmutable();
    }

    public async Task SetMirrorAddressesAsync(ImmutableDictionary<string, ImmutableArray<string>> addresses)
    {
        await _writing.WaitAsync();
        try
        {
            foreach (var ns in Writer.SetAddresses(addresses).Intersect(Writer.DesiredNamespaces).Order(StringComparer.Ordinal)) await SyncAsync(ns);
        }
        finally { _writing.Release(); }
    }

    public Task<LinkStatus> GetStatusAsync() =>
        Task.FromResult(new LinkStatus(_connected, _writer?.Conditions ?? [], _lastMessage, _gatewayAlive, _health.Latency, _remoteAnchors,
            _writer?.Writes ?? 0, _writer?.ResourcesWritten ?? 0));

    private async Task StopAsync()
    {
        if (_stop is null) return;
        await _stop.CancelAsync();
        // The loops finish the write they are in, so nothing of them lands after an unlink's deletes.
        foreach (var loop in new[] { _watch, _probe })
        {
            try { await loop!; }
            catch (OperationCanceledException) { }
        }
        _stop.Dispose();
        _stop = null;
        _watch = _probe = null;
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
                    if (update is LinkSnapshot fresh)
                    {
                        _snapshotGateway = fresh.Gateway;
                        _remoteAnchors = fresh.TrustAnchors.IsDefault ? [] : fresh.TrustAnchors;
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

    /// <summary>Probes the gateway every period while the Link exists. Only a change of the verdict writes anything:
    /// the mirrors of every namespace are synced again with the gateway endpoints ready or not ready.</summary>
    private async Task ProbeLoopAsync(LinkResource link, CancellationToken ct)
    {
        var probe = link.Spec.ProbeSpec;
        var (period, timeout) = (probe.GetPeriod(), probe.GetTimeout());
        while (!ct.IsCancellationRequested)
        {
            var gateway = _snapshotGateway ?? LinkGateway(link);
            var before = _health;
            if (gateway is null) _health = GatewayHealth.NoGateway;
            else
            {
                var result = await _prober.ProbeAsync(gateway, probe.Path, timeout, ct);
                if (ct.IsCancellationRequested) return;
                _health = _health.Observe(result, probe.FailureThreshold, gateway, probe.Path);
                if (!result.Ok) Log.ProbeFailed(logger, Cluster, gateway.ToString(), result.Error ?? "");
            }
            _gatewayAlive = GatewayCondition(_health, _gatewayAlive);
            _reporter?.Report(Cluster, _health.Alive, _health.Latency);
            if (before.Alive != _health.Alive) await GatewayChangedAsync(_health.Alive);
            try { await Task.Delay(period, _time, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task GatewayChangedAsync(bool alive)
    {
        await _writing.WaitAsync();
        try
        {
            Writer.GatewayAlive = alive;
            foreach (var ns in Writer.DesiredNamespaces.Order(StringComparer.Ordinal).ToList()) await SyncAsync(ns);
        }
        finally { _writing.Release(); }
    }

    private static GatewayTarget? LinkGateway(LinkResource link) =>
        link.Spec is { GatewayAddress: { Length: > 0 } address, GatewayIdentity: { Length: > 0 } identity } spec
            ? new GatewayTarget(address, spec.GatewayPort, identity)
            : null;

    /// <summary>The condition changes its transition time only when its status flips (as Kubernetes conditions do).</summary>
    private LinkCondition GatewayCondition(GatewayHealth health, LinkCondition? previous) =>
        new(LinkConditions.GatewayAlive, health.Alive, health.Reason, health.Message,
            previous is not null && previous.Status == health.Alive ? previous.LastTransitionTime : _time.GetUtcNow());

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
                    await SyncAsync(upsert.Mirror.Namespace, () => Writer.UpsertAsync(upsert.Mirror));
                    break;
                case LinkRemove remove:
                    await SyncAsync(remove.Namespace, () => Writer.RemoveAsync(remove.Namespace, remove.RemoteName));
                    break;
            }
        }
        finally { _writing.Release(); }
    }

    /// <summary>Namespaces whose mirrors wait on something here are synced again: one whose local Service (the name
    /// conflict) was deleted, or that got its first resource, or whose federated member changed, gets its mirrors
    /// now. Every <see cref="FullSweepEvery"/>th tick syncs every namespace with wanted mirrors (one whose own
    /// resources are all gone loses its mirrors: MissingNamespace); a sync that finds nothing changed writes nothing.</summary>
    private async Task ResyncAsync(CancellationToken ct)
    {
        if (_writer is null || !_writing.Wait(0)) return;
        try
        {
            var all = _resyncTicks++ % FullSweepEvery == 0;
            foreach (var ns in (all ? _writer.DesiredNamespaces : _writer.NamespacesToResync()).ToList()) await SyncAsync(ns);
        }
        finally { _writing.Release(); }
    }

    /// <summary>A namespace whose write fails (storage, a refusal) is left as it was; the resync timer tries again.</summary>
    private Task SyncAsync(string ns) => SyncAsync(ns, () => Writer.SyncAsync(ns));

    private async Task SyncAsync(string ns, Func<Task> sync)
    {
        try { await sync(); }
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

        [LoggerMessage(EventId = 7404, Level = LogLevel.Information, Message = "Link {Cluster}: gateway probe of {Gateway} failed: {Error}")]
        public static partial void ProbeFailed(ILogger logger, string cluster, string gateway, string error);
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
