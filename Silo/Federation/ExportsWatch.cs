using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Silo.Discovery;

namespace Mesh.Silo.Federation;

/// <summary>What one federation watch holds: a Service and an endpoint-set feed lease per export candidate (the shared
/// discovery feeds, one subscription per grain per silo), their latest values, and the translation a peer would see.
/// Changes reach the watch's queue tagged with their candidate's key (<see cref="Keyed"/>), since a deleted Service's
/// value (null) no longer names it.</summary>
internal sealed class ExportsWatch(ViewFeeds feeds, IFeedListener queue) : IAsyncDisposable
{
    /// <summary>A feed change's value together with the candidate it belongs to.</summary>
    public sealed record Keyed(string Key, object? Value);

    private sealed class Candidate(string key)
    {
        public string Key { get; } = key;
        public ViewFeeds.Lease<ServiceView?>? ServiceLease { get; set; }
        public ViewFeeds.Lease<EndpointSetView>? EndpointsLease { get; set; }
        public ServiceView? Service { get; set; }
        public EndpointSetView? Endpoints { get; set; }
    }

    private sealed class KeyedListener(string key, IFeedListener inner) : IFeedListener
    {
        public void OnChanged(FeedChange change) => inner.OnChanged(change with { Value = new Keyed(key, change.Value) });
    }

    private readonly SortedDictionary<string, Candidate> _candidates = new(StringComparer.Ordinal);

    /// <summary>Holds a lease on every candidate of <paramref name="directory"/> and drops the rest.</summary>
    public async Task SyncAsync(ExportDirectoryView directory)
    {
        var wanted = directory.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var gone in _candidates.Keys.Where(k => !wanted.Contains(k)).ToList())
        {
            var candidate = _candidates[gone];
            _candidates.Remove(gone);
            await ReleaseAsync(candidate);
        }
        foreach (var key in wanted.Where(k => !_candidates.ContainsKey(k)).Order(StringComparer.Ordinal))
        {
            var candidate = new Candidate(key);
            _candidates[key] = candidate;
            var listener = new KeyedListener(key, queue);
            candidate.ServiceLease = await feeds.ServiceAsync(key, listener);
            candidate.Service = candidate.ServiceLease.Initial.Value;
            candidate.EndpointsLease = await feeds.EndpointsAsync(key, listener);
            candidate.Endpoints = candidate.EndpointsLease.Initial.Value;
        }
    }

    /// <summary>Takes a tagged change; a change of a candidate no longer held (released while it was queued) is dropped.</summary>
    public void Apply(FeedKind kind, Keyed change)
    {
        if (!_candidates.TryGetValue(change.Key, out var candidate)) return;
        if (kind == FeedKind.Service) candidate.Service = (ServiceView?)change.Value;
        else if (kind == FeedKind.EndpointSet) candidate.Endpoints = (EndpointSetView?)change.Value;
    }

    /// <summary>What a peer sees now, by key in ordinal order: only the candidates whose current labels export them.</summary>
    public SortedDictionary<string, ExportedService> Translate()
    {
        var exported = new SortedDictionary<string, ExportedService>(StringComparer.Ordinal);
        foreach (var (key, candidate) in _candidates)
            if (ExportTranslator.Service(candidate.Service, candidate.Endpoints) is { } service) exported[key] = service;
        return exported;
    }

    private static async Task ReleaseAsync(Candidate candidate)
    {
        if (candidate.ServiceLease is { } s) await s.DisposeAsync();
        if (candidate.EndpointsLease is { } e) await e.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var candidate in _candidates.Values) await ReleaseAsync(candidate);
        _candidates.Clear();
    }
}
