using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Multicluster;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Derivation;
using Mesh.Grains.State;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grains.Catalog;

/// <summary>Source-of-truth resources of one namespace, each owned by the source that wrote it (see
/// <see cref="CatalogWritePlanner"/>: a batch is refused whole when it touches another source's resource). Every change is persisted first, then the namespace is
/// re-derived and the changed views are written to the view grains (which publish them). Leased Workloads (`mesh run`)
/// that are not re-applied in time are deleted through the same path (<see cref="WorkloadLeases"/>).
/// A change is persisted as itself (<see cref="CatalogChange"/>, appended to a log beside the snapshot), not as the
/// whole namespace; the log is folded into a new snapshot off the write path. A write that changed only Workloads and
/// EndpointSlices (a pod's churn, a mirror's endpoints) re-derives only what they move (<see cref="MeshReconciler.DeriveEndpointSourceChanges"/>).</summary>
public sealed class CatalogGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<CatalogState> state,
    [PersistentState("log", MeshNames.StateStore)] IPersistentState<DeltaLog<CatalogChange>> log,
    IServiceProvider services) : Grain, ICatalogGrain
{
    /// <summary>How often expired leases are looked for while this namespace has any (an in-memory check).</summary>
    internal static readonly TimeSpan LeaseSweepPeriod = TimeSpan.FromSeconds(1);
    /// <summary>Logged resources and names after which the log is folded into a snapshot, soon after the write, and at
    /// most this many, else the write itself writes the snapshot (a relist of a whole namespace).</summary>
    internal const int CompactAfter = SnapshotLog.CompactAfter, MaxLogWeight = SnapshotLog.MaxLogWeight;
    private static readonly TimeSpan CompactionDelay = TimeSpan.FromMilliseconds(200);

    private readonly SnapshotLog<CatalogState, CatalogChange> _store = new(state, log, "catalog", Weight);
    private CatalogState _state = new();
    private IGrainTimer? _compaction;

    private readonly ReconcileSettings _settings = services.GetService<ReconcileSettings>() ?? ReconcileSettings.Default;
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    private readonly WorkloadLeases _leases = new();
    private IGrainTimer? _leaseSweep;
    private IGrainTimer? _activationReconcile;
    private DerivedNamespace? _derived;
    // The resources _derived was derived from: a Workload-only change re-derives incrementally only on top of them.
    private ImmutableDictionary<string, StoredResource>? _derivedFrom;
    // False until a reconcile completes in this activation: a retried apply after a failed one (or after this grain
    // moved to another silo) must still push the views, even though the resources themselves are unchanged.
    private bool _reconciled;
    // The exported Service names last told to the export index in this activation; null = not yet.
    private ImmutableArray<string>? _exportsClaimed;

    private string Namespace => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _state = CatalogChange.Replay(Namespace, _store.Snapshot, _store.Entries);
        _store.Recount(c => c.Sequence > _store.Snapshot.Sequence);
        // After a restart (or a move to another silo) every leased Workload gets a full lease to be renewed in.
        _leases.Track(_state.Resources.Values, _time.GetUtcNow());
        UpdateLeaseSweep();
        // The views are pushed again once per activation, in a turn of their own right after it: the view grains may
        // have missed a write before a crash, and a silo upgraded from one holding each workload's inbound policy and
        // address in grains of their own starts with empty partition grains (equal values write nothing).
        if (!_state.Resources.IsEmpty)
            _activationReconcile = this.RegisterGrainTimer(ReconcileOnActivationAsync, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        return Task.CompletedTask;
    }

    private async Task ReconcileOnActivationAsync(CancellationToken cancellationToken)
    {
        _activationReconcile?.Dispose();
        _activationReconcile = null;
        if (!_reconciled) await ReconcileAsync(_state.Resources, null);
    }

    public async Task<CatalogWriteResult> WriteAsync(CatalogBatch batch)
    {
        var epochs = _state.SourceEpochs ?? ImmutableDictionary<string, long>.Empty;
        string source = batch.Source ?? string.Empty; // null over the wire: refused by the planner
        var (plan, answer) = CatalogWritePlanner.Compute(Namespace, _state.Resources, epochs.GetValueOrDefault(source), batch);
        if (plan is null)
        {
            // A repeat may follow an apply whose reconcile failed (or this grain moved): push the views all the same.
            if (answer!.Status == CatalogWriteStatus.Repeated && !_reconciled) await ReconcileAsync(_state.Resources, null);
            return answer;
        }

        var newEpoch = batch.Epoch > 0 && epochs.GetValueOrDefault(source) != batch.Epoch;
        var before = _state.Resources;
        if (plan.Changed || newEpoch)
        {
            var wasEmpty = _state.Resources.IsEmpty;
            await CommitAsync(_state with
            {
                Resources = plan.Resources,
                SourceEpochs = batch.Epoch > 0 ? epochs.SetItem(source, batch.Epoch) : epochs,
            });
            if (wasEmpty && !plan.Resources.IsEmpty)
                await GrainFactory.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).AddAsync(Namespace);
        }
        if (plan.Changed || !_reconciled) await ReconcileAsync(before, EndpointSourceChanges(plan, before));
        var now = _time.GetUtcNow();
        foreach (var key in plan.Deleted.Where(k => k.Kind == ResourceKinds.Workload.Kind)) _leases.Forget(key.Name);
        _leases.Track(_state.Resources.Values, now);
        _leases.Renew(batch.Upserts, now);
        UpdateLeaseSweep();
        return plan.Result;
    }

    public Task<CatalogWriteResult> ReplaceAsync(CatalogReplace replace) =>
        WriteAsync(CatalogWritePlanner.FromReplace(_state.Resources, replace));

    /// <summary>The resource; a leased Workload asked for by kind carries its lease as status.lease.</summary>
    public Task<StoredResource?> GetAsync(string kind, string name) =>
        Task.FromResult(_state.Resources.GetValueOrDefault(CatalogState.Key(kind, name)) is { } r ? _leases.WithStatus(r) : null);

    /// <summary>Resources of one kind (Workloads with their status.lease) or, for null, every stored resource as
    /// stored (the admin API's dry run compares those with what is applied).</summary>
    public Task<ImmutableArray<StoredResource>> ListAsync(string? kind) =>
        Task.FromResult(_state.Resources.Values
            .Where(r => kind is null || r.Kind == kind)
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => kind is null ? r : _leases.WithStatus(r))
            .ToImmutableArray());

    /// <summary>Deletes the Workloads whose lease ran out (their sidecar stopped renewing), in one write.</summary>
    private async Task SweepLeasesAsync(CancellationToken cancellationToken)
    {
        var expired = _leases.Expired(_time.GetUtcNow());
        if (expired.IsEmpty) return;
        var before = _state.Resources;
        var resources = before;
        foreach (var name in expired)
        {
            resources = resources.Remove(CatalogState.Key(ResourceKinds.Workload.Kind, name));
            _leases.Forget(name);
        }
        if (resources.Count != before.Count)
        {
            await CommitAsync(_state with { Resources = resources });
            await ReconcileAsync(before, [.. before.Where(kv => !resources.ContainsKey(kv.Key)).Select(kv => new EndpointSourceChange(kv.Value, null))]);
        }
        UpdateLeaseSweep();
    }

    /// <summary>A sweep timer runs (and keeps this grain active) exactly while some Workload here has a lease.</summary>
    private void UpdateLeaseSweep()
    {
        if (_leases.Count > 0 && _leaseSweep is null)
            _leaseSweep = this.RegisterGrainTimer(SweepLeasesAsync, new GrainTimerCreationOptions(LeaseSweepPeriod, LeaseSweepPeriod) { KeepAlive = true });
        else if (_leases.Count == 0 && _leaseSweep is not null)
        {
            _leaseSweep.Dispose();
            _leaseSweep = null;
        }
    }

    /// <summary>Persists the step from the current state to <paramref name="next"/>: appended to the log when small,
    /// else (a relist's worth, or a full log) as a new snapshot.</summary>
    private async Task CommitAsync(CatalogState next)
    {
        next = next with { Sequence = _state.Sequence + 1 };
        var foldDue = await _store.CommitAsync(CatalogChange.Between(next.Sequence, _state, next), next);
        _state = next;
        if (foldDue)
            _compaction ??= this.RegisterGrainTimer(CompactAsync, new GrainTimerCreationOptions(CompactionDelay, Timeout.InfiniteTimeSpan));
    }

    private async Task CompactAsync(CancellationToken cancellationToken)
    {
        _compaction?.Dispose();
        _compaction = null;
        await _store.FoldAsync(_state);
    }

    /// <summary>What a logged change costs each later log write: its resources and names.</summary>
    private static int Weight(CatalogChange c) => 1 + c.Upserts.Length + c.Deletes.Length
        + new[] { c.Services, c.Workloads, c.ConsumerTargets, c.Addresses, c.ServiceAddresses }.Sum(n => n is null ? 0 : n.Added.Length + n.Removed.Length);

    /// <summary>The Workloads and EndpointSlices a write changed, before and after, when it changed nothing else (null
    /// otherwise): then the namespace is re-derived from the last derivation instead of from scratch.</summary>
    private ImmutableArray<EndpointSourceChange>? EndpointSourceChanges(CatalogWritePlanner.Plan plan, ImmutableDictionary<string, StoredResource> before)
    {
        var keys = plan.Outcomes.Where(o => o.Action != ApplyAction.Unchanged).Select(o => (o.Kind, o.Name))
            .Concat(plan.Deleted.Select(d => (d.Kind, d.Name))).ToList();
        if (keys.Any(k => !MeshReconciler.HandlesIncrementally(k.Kind))) return null;
        return [.. keys.Select(k => CatalogState.Key(k.Kind, k.Name))
            .Select(k => new EndpointSourceChange(before.GetValueOrDefault(k), _state.Resources.GetValueOrDefault(k)))];
    }

    /// <summary>Derives the namespace again and writes the views that changed; remembers the derived names so
    /// deletions are still known after a reactivation.</summary>
    /// <param name="before">The resources before the write being reconciled.</param>
    /// <param name="sourceChanges">What the write changed when it changed only Workloads and EndpointSlices; null: anything.</param>
    private async Task ReconcileAsync(ImmutableDictionary<string, StoredResource> before, IReadOnlyCollection<EndpointSourceChange>? sourceChanges)
    {
        _reconciled = false;
        var resources = _state.Resources;
        var next = _derived is not null && sourceChanges is not null && ReferenceEquals(_derivedFrom, before)
            ? MeshReconciler.DeriveEndpointSourceChanges(Namespace, _derived, resources.Values.ToList(), sourceChanges, _settings)
            : MeshReconciler.Derive(Namespace, resources.Values.ToList(), _settings);
        var plan = ViewWritePlan.Compute(Namespace, _derived, next, _state.DerivedServices, _state.DerivedWorkloads, _settings,
            _state.DerivedConsumerTargets, _state.DerivedAddresses, _state.DerivedServiceAddresses);
        var writes = new List<Task>(plan.Count);
        foreach (var (name, view) in plan.Services) writes.Add(GrainFactory.GetGrain<IServiceGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.EndpointSets) writes.Add(GrainFactory.GetGrain<IEndpointSetGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.Profiles) writes.Add(GrainFactory.GetGrain<IProfileGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var partition in plan.Inbound.GroupBy(i => MeshNames.InboundPartition(Namespace, i.Name)))
            writes.Add(GrainFactory.GetGrain<IInboundPoliciesGrain>(partition.Key).SetAsync([.. partition.Select(i => i.View)]));
        foreach (var (target, view) in plan.ConsumerProfiles)
            writes.Add(GrainFactory.GetGrain<IProfileGrain>(MeshNames.ConsumerKey(view.Namespace, view.Service, Namespace)).SetAsync(view));
        var claims = plan.Addresses.Select(a => new AddressClaim(a.Key, false, a.Endpoint, null))
            .Concat(plan.ServiceAddresses.Select(a => new AddressClaim(a.Key, true, null, a.Service)));
        foreach (var partition in claims.GroupBy(c => MeshNames.AddressPartition(c.Key)))
            writes.Add(GrainFactory.GetGrain<IAddressesGrain>(partition.Key).ClaimAsync(Namespace, [.. partition]));
        await Task.WhenAll(writes);
        await ClaimExportsAsync(next);
        _derived = next;
        _derivedFrom = resources;
        _reconciled = true;

        var services = next.Services.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var workloads = next.Inbound.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var targets = next.ConsumerProfiles.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var addresses = next.Addresses.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var serviceAddresses = next.ServiceAddresses.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        if (!services.SequenceEqual(_state.DerivedServices) || !workloads.SequenceEqual(_state.DerivedWorkloads)
            || !targets.SequenceEqual(_state.DerivedConsumerTargets) || !addresses.SequenceEqual(_state.DerivedAddresses)
            || !serviceAddresses.SequenceEqual(_state.DerivedServiceAddresses))
            await CommitAsync(_state with
            {
                DerivedServices = services, DerivedWorkloads = workloads, DerivedConsumerTargets = targets, DerivedAddresses = addresses,
                DerivedServiceAddresses = serviceAddresses,
            });
    }

    /// <summary>Tells the cluster's export index (<see cref="IExportDirectoryGrain"/>) which Services here carry an
    /// export label, when that changed, and once per activation (the index may have missed a write before a crash).</summary>
    private async Task ClaimExportsAsync(DerivedNamespace derived)
    {
        var exported = derived.Services.Values.Where(s => ExportSelector.Classify(s.Labels).Exported)
            .Select(s => s.Name).Order(StringComparer.Ordinal).ToImmutableArray();
        if (_exportsClaimed is { } claimed && claimed.SequenceEqual(exported)) return;
        await GrainFactory.GetGrain<IExportDirectoryGrain>(IExportDirectoryGrain.Key).ClaimAsync(Namespace, exported);
        _exportsClaimed = exported;
    }
}
