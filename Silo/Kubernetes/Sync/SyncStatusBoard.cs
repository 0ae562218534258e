using System.Collections.Concurrent;
using System.Collections.Immutable;
using Mesh.Admin.Contract;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>What the sync is doing, for the admin API: leadership, per-kind progress, skipped objects, the last error.
/// Written by the loops, read by `GET /api/v1/kubernetes/sync`; every member is thread-safe.</summary>
internal sealed class SyncStatusBoard(string identity, string leaseNamespace, string leaseName, TimeProvider time)
{
    private sealed class KindEntry
    {
        public bool Synced;
        public string? ResourceVersion;
        public DateTimeOffset? LastSync;
        public int Objects;
        public int Relists;
        public string? LastError;
    }

    private readonly ConcurrentDictionary<SyncKind, KindEntry> _kinds = new();
    private readonly ConcurrentDictionary<(string Kind, string Ns, string Name), KubernetesSkippedObject> _skipped = new();
    private volatile string? _holder;
    private volatile string? _lastError;
    private long _epoch;

    public string Identity => identity;
    public bool Leader => Interlocked.Read(ref _epoch) != 0;

    public void Leading(long epoch) => Interlocked.Exchange(ref _epoch, epoch);
    public void NotLeading() => Interlocked.Exchange(ref _epoch, 0);
    public void Holder(string? holder) => _holder = holder;
    public void Error(string error) => _lastError = error;

    public void Listed(SyncKind kind, string resourceVersion, int objects)
    {
        var e = Entry(kind);
        lock (e) { e.Synced = true; e.ResourceVersion = resourceVersion; e.Objects = objects; e.LastSync = time.GetUtcNow(); e.Relists++; e.LastError = null; }
    }

    public void Seen(SyncKind kind, string? resourceVersion, int delta)
    {
        var e = Entry(kind);
        lock (e) { if (resourceVersion is { Length: > 0 }) e.ResourceVersion = resourceVersion; e.Objects = Math.Max(0, e.Objects + delta); e.LastSync = time.GetUtcNow(); e.LastError = null; }
    }

    public void Gone(SyncKind kind)
    {
        var e = Entry(kind);
        lock (e) e.Synced = false;
    }

    public void KindError(SyncKind kind, string error)
    {
        var e = Entry(kind);
        lock (e) e.LastError = error;
        _lastError = $"{kind}: {error}";
    }

    public void Skipped(SyncKind kind, string ns, string name, string? resourceVersion, ImmutableArray<string> errors) =>
        _skipped[(kind.Kind, ns, name)] = new KubernetesSkippedObject(kind.Kind, ns, name, resourceVersion, [.. errors]);

    public void NotSkipped(SyncKind kind, string ns, string name) => _skipped.TryRemove((kind.Kind, ns, name), out _);

    /// <summary>Forgets every skipped object of a kind (before a relist re-reports the ones still invalid).</summary>
    public void ClearSkipped(SyncKind kind)
    {
        foreach (var key in _skipped.Keys.Where(k => k.Kind == kind.Kind)) _skipped.TryRemove(key, out _);
    }

    public KubernetesSyncStatus Snapshot() => new(
        Enabled: true, Identity: identity, Leader: Leader, Holder: _holder, LeaseNamespace: leaseNamespace, LeaseName: leaseName,
        Epoch: Interlocked.Read(ref _epoch),
        Kinds: [.. SyncKinds.All.Select(k =>
        {
            var e = Entry(k);
            lock (e) return new KubernetesSyncKind(k.Kind, k.ApiVersion, e.Synced, e.ResourceVersion, e.LastSync, e.Objects, e.Relists, e.LastError);
        })],
        Skipped: [.. _skipped.Values.OrderBy(s => s.Kind, StringComparer.Ordinal).ThenBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal)],
        LastError: _lastError);

    private KindEntry Entry(SyncKind kind) => _kinds.GetOrAdd(kind, _ => new KindEntry());
}
