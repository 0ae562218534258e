using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Multicluster;
using Mesh.Abstractions.Resources;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grains.Catalog;

/// <summary>Source-of-truth resources of one namespace, each owned by the source that wrote it (see
/// <see cref="CatalogWritePlanner"/>: a batch is refused whole when it touches another source's resource). Every change is persisted first, then the namespace is
/// re-derived and the changed views are written to the view grains (which publish them). Leased Workloads (`mesh run`)
/// that are not re-applied in time are deleted through the same path (<see cref="WorkloadLeases"/>).</summary>
public sealed class CatalogGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<CatalogState> state,
    IServiceProvider services) : Grain, ICatalogGrain
{
    /// <summary>How often expired leases are looked for while this namespace has any (an in-memory check).</summary>
    internal static readonly TimeSpan LeaseSweepPeriod = TimeSpan.FromSeconds(1);

    private readonly ReconcileSettings _settings = services.GetService<ReconcileSettings>() ?? ReconcileSettings.Default;
    private readonly TimeProvider _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
    private readonly WorkloadLeases _leases = new();
    private IGrainTimer? _leaseSweep;
    private DerivedNamespace? _derived;
    // False until a reconcile completes in this activation: a retried apply after a failed one (or after this grain
    // moved to another silo) must still push the views, even though the resources themselves are unchanged.
    private bool _reconciled;
    // The exported Service names last told to the export index in this activation; null = not yet.
    private ImmutableArray<string>? _exportsClaimed;

    private string Namespace => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // After a restart (or a move to another silo) every leased Workload gets a full lease to be renewed in.
        _leases.Track(state.State.Resources.Values, _time.GetUtcNow());
        UpdateLeaseSweep();
        return Task.CompletedTask;
    }

    public async Task<CatalogWriteResult> WriteAsync(CatalogBatch batch)
    {
        var epochs = state.State.SourceEpochs ?? ImmutableDictionary<string, long>.Empty;
        string source = batch.Source ?? string.Empty; // null over the wire: refused by the planner
        var (plan, answer) = CatalogWritePlanner.Compute(Namespace, state.State.Resources, epochs.GetValueOrDefault(source), batch);
        if (plan is null)
        {
            // A repeat may follow an apply whose reconcile failed (or this grain moved): push the views all the same.
            if (answer!.Status == CatalogWriteStatus.Repeated && !_reconciled) await ReconcileAsync();
            return answer;
        }

        var newEpoch = batch.Epoch > 0 && epochs.GetValueOrDefault(source) != batch.Epoch;
        if (plan.Changed || newEpoch)
        {
            var wasEmpty = state.State.Resources.IsEmpty;
            await CommitAsync(state.State with
            {
                Resources = plan.Resources,
                SourceEpochs = batch.Epoch > 0 ? epochs.SetItem(source, batch.Epoch) : epochs,
            });
            if (wasEmpty && !plan.Resources.IsEmpty)
                await GrainFactory.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).AddAsync(Namespace);
        }
        if (plan.Changed || !_reconciled) await ReconcileAsync();
        var now = _time.GetUtcNow();
        foreach (var key in plan.Deleted.Where(k => k.Kind == ResourceKinds.Workload.Kind)) _leases.Forget(key.Name);
        _leases.Track(state.State.Resources.Values, now);
        _leases.Renew(batch.Upserts, now);
        UpdateLeaseSweep();
        return plan.Result;
    }

    public Task<CatalogWriteResult> ReplaceAsync(CatalogReplace replace) =>
        WriteAsync(CatalogWritePlanner.FromReplace(state.State.Resources, replace));

    /// <summary>The resource; a leased Workload asked for by kind carries its lease as status.lease.</summary>
    public Task<StoredResource?> GetAsync(string kind, string name) =>
        Task.FromResult(state.State.Resources.GetValueOrDefault(CatalogState.Key(kind, name)) is { } r ? _leases.WithStatus(r) : null);

    /// <summary>Resources of one kind (Workloads with their status.lease) or, for null, every stored resource as
    /// stored (the admin API's dry run compares those with what is applied).</summary>
    public Task<ImmutableArray<StoredResource>> ListAsync(string? kind) =>
        Task.FromResult(state.State.Resources.Values
            .Where(r => kind is null || r.Kind == kind)
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .Select(r => kind is null ? r : _leases.WithStatus(r))
            .ToImmutableArray());

    /// <summary>Deletes the Workloads whose lease ran out (their sidecar stopped renewing), in one write.</summary>
    private async Task SweepLeasesAsync(CancellationToken cancellationToken)
    {
        var expired = _leases.Expired(_time.GetUtcNow());
        if (expired.IsEmpty) return;
        var resources = state.State.Resources;
        foreach (var name in expired)
        {
            resources = resources.Remove(CatalogState.Key(ResourceKinds.Workload.Kind, name));
            _leases.Forget(name);
        }
        if (resources.Count != state.State.Resources.Count)
        {
            await CommitAsync(state.State with { Resources = resources });
            await ReconcileAsync();
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

    private async Task CommitAsync(CatalogState next)
    {
        var previous = state.State;
        state.State = next;
        try { await state.WriteStateAsync(); }
        catch { state.State = previous; throw; }
    }

    /// <summary>Derives the namespace again and writes the views that changed; remembers the derived names so
    /// deletions are still known after a reactivation.</summary>
    private async Task ReconcileAsync()
    {
        _reconciled = false;
        var next = MeshReconciler.Derive(Namespace, state.State.Resources.Values.ToList(), _settings);
        var plan = ViewWritePlan.Compute(Namespace, _derived, next, state.State.DerivedServices, state.State.DerivedWorkloads, _settings,
            state.State.DerivedConsumerTargets, state.State.DerivedAddresses, state.State.DerivedServiceAddresses);
        var writes = new List<Task>(plan.Count);
        foreach (var (name, view) in plan.Services) writes.Add(GrainFactory.GetGrain<IServiceGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.EndpointSets) writes.Add(GrainFactory.GetGrain<IEndpointSetGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.Profiles) writes.Add(GrainFactory.GetGrain<IProfileGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.Inbound) writes.Add(GrainFactory.GetGrain<IInboundPolicyGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (target, view) in plan.ConsumerProfiles)
            writes.Add(GrainFactory.GetGrain<IProfileGrain>(MeshNames.ConsumerKey(view.Namespace, view.Service, Namespace)).SetAsync(view));
        foreach (var (key, endpoint) in plan.Addresses) writes.Add(GrainFactory.GetGrain<IAddressGrain>(key).ClaimAsync(Namespace, endpoint));
        foreach (var (key, service) in plan.ServiceAddresses) writes.Add(GrainFactory.GetGrain<IAddressGrain>(key).ClaimServiceAsync(Namespace, service));
        await Task.WhenAll(writes);
        await ClaimExportsAsync(next);
        _derived = next;
        _reconciled = true;

        var services = next.Services.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var workloads = next.Inbound.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var targets = next.ConsumerProfiles.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var addresses = next.Addresses.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var serviceAddresses = next.ServiceAddresses.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        if (!services.SequenceEqual(state.State.DerivedServices) || !workloads.SequenceEqual(state.State.DerivedWorkloads)
            || !targets.SequenceEqual(state.State.DerivedConsumerTargets) || !addresses.SequenceEqual(state.State.DerivedAddresses)
            || !serviceAddresses.SequenceEqual(state.State.DerivedServiceAddresses))
            await CommitAsync(state.State with
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
