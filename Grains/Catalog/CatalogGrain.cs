using System.Collections.Immutable;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Grains.Catalog;

/// <summary>Source-of-truth resources of one namespace. Every change is persisted first, then the namespace is
/// re-derived and the changed views are written to the view grains (which publish them).</summary>
public sealed class CatalogGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<CatalogState> state,
    IServiceProvider services) : Grain, ICatalogGrain
{
    private readonly ReconcileSettings _settings = services.GetService<ReconcileSettings>() ?? ReconcileSettings.Default;
    private DerivedNamespace? _derived;
    // False until a reconcile completes in this activation: a retried apply after a failed one (or after this grain
    // moved to another silo) must still push the views, even though the resources themselves are unchanged.
    private bool _reconciled;

    private string Namespace => this.GetPrimaryKeyString();

    public async Task<ImmutableArray<ApplyOutcome>> ApplyAsync(ImmutableArray<StoredResource> resources)
    {
        foreach (var r in resources)
            if (r.Namespace != Namespace)
                throw new ArgumentException($"{r.Kind} {r.Name}: namespace '{r.Namespace}' sent to the catalog of '{Namespace}'");

        var plan = ApplyPlanner.Compute(state.State.Resources, resources);
        if (plan.Changed)
        {
            var wasEmpty = state.State.Resources.IsEmpty;
            await CommitAsync(state.State with { Resources = plan.Resources });
            if (wasEmpty) await GrainFactory.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).AddAsync(Namespace);
        }
        if (plan.Changed || !_reconciled) await ReconcileAsync();
        return plan.Outcomes;
    }

    public async Task<bool> DeleteAsync(string kind, string name)
    {
        var key = CatalogState.Key(kind, name);
        if (!state.State.Resources.ContainsKey(key))
        {
            if (!_reconciled && !state.State.Resources.IsEmpty) await ReconcileAsync();
            return false;
        }
        await CommitAsync(state.State with { Resources = state.State.Resources.Remove(key) });
        await ReconcileAsync();
        return true;
    }

    public Task<StoredResource?> GetAsync(string kind, string name) =>
        Task.FromResult(state.State.Resources.GetValueOrDefault(CatalogState.Key(kind, name)));

    public Task<ImmutableArray<StoredResource>> ListAsync(string? kind) =>
        Task.FromResult(state.State.Resources.Values
            .Where(r => kind is null || r.Kind == kind)
            .OrderBy(r => r.Kind, StringComparer.Ordinal).ThenBy(r => r.Name, StringComparer.Ordinal)
            .ToImmutableArray());

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
            state.State.DerivedConsumerTargets, state.State.DerivedAddresses);
        var writes = new List<Task>(plan.Count);
        foreach (var (name, view) in plan.Services) writes.Add(GrainFactory.GetGrain<IServiceGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.Endpoints) writes.Add(GrainFactory.GetGrain<IEndpointSetGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.Profiles) writes.Add(GrainFactory.GetGrain<IPolicyGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (name, view) in plan.Inbound) writes.Add(GrainFactory.GetGrain<IInboundPolicyGrain>(MeshNames.Key(Namespace, name)).SetAsync(view));
        foreach (var (target, view) in plan.ConsumerProfiles)
            writes.Add(GrainFactory.GetGrain<IPolicyGrain>(MeshNames.ConsumerKey(view.Namespace, view.Service, Namespace)).SetAsync(view));
        foreach (var (key, endpoint) in plan.Addresses) writes.Add(GrainFactory.GetGrain<IAddressGrain>(key).ClaimAsync(Namespace, endpoint));
        await Task.WhenAll(writes);
        _derived = next;
        _reconciled = true;

        var services = next.Services.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var workloads = next.Inbound.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var targets = next.ConsumerProfiles.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        var addresses = next.Addresses.Keys.Order(StringComparer.Ordinal).ToImmutableArray();
        if (!services.SequenceEqual(state.State.DerivedServices) || !workloads.SequenceEqual(state.State.DerivedWorkloads)
            || !targets.SequenceEqual(state.State.DerivedConsumerTargets) || !addresses.SequenceEqual(state.State.DerivedAddresses))
            await CommitAsync(state.State with
            {
                DerivedServices = services, DerivedWorkloads = workloads, DerivedConsumerTargets = targets, DerivedAddresses = addresses,
            });
    }
}
