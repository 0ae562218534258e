namespace Mesh.Admin.Contract;

/// <summary>`GET /api/v1/kubernetes/sync`: what this silo's Kubernetes sync is doing (what `mesh check --kubernetes`
/// reads). <paramref name="Enabled"/> is false in local mode (every other field then empty).</summary>
/// <param name="Leader">True while this silo holds the sync Lease and feeds the catalog; the other silos are standbys.</param>
/// <param name="Holder">The Lease's holder as this silo last saw it (null: none seen yet).</param>
/// <param name="Epoch">The fencing epoch of this silo's catalog writes while it leads (0: not leading).</param>
public sealed record KubernetesSyncStatus(
    bool Enabled,
    string? Identity,
    bool Leader,
    string? Holder,
    string? LeaseNamespace,
    string? LeaseName,
    long Epoch,
    List<KubernetesSyncKind> Kinds,
    List<KubernetesSkippedObject> Skipped,
    string? LastError);

/// <summary>One synced kind: its last resourceVersion, when it last listed or saw an event, how many objects it holds.</summary>
/// <param name="Synced">True once its first list reached the catalog (false again while it relists after a 410).</param>
public sealed record KubernetesSyncKind(
    string Kind,
    string ApiVersion,
    bool Synced,
    string? ResourceVersion,
    DateTimeOffset? LastSync,
    int Objects,
    int Relists,
    string? LastError);

/// <summary>A Kubernetes object the sync skipped because the mesh rejects it: its field-path errors (an Event was created
/// on it too). It stays listed until it is fixed or deleted.</summary>
public sealed record KubernetesSkippedObject(string Kind, string Namespace, string Name, string? ResourceVersion, List<string> Errors);
