using System.Text.Json.Nodes;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>The labels that mark a Service or EndpointSlice in the API server as one the mesh wrote from a link's
/// mirror (<see cref="MirrorPublisher"/>). Only the publisher writes them; the sync skips objects carrying them (they
/// are the catalog's link/&lt;cluster&gt; resources already, so reading them back as source kubernetes would loop), and
/// the publisher updates or deletes only objects carrying them — a Service without them is the user's, never touched.</summary>
internal static class MirrorObjects
{
    /// <summary>The manager's name in both managed-by labels.</summary>
    public const string Manager = "mirror.mesh.io";
    /// <summary>On a mirror Service (the well-known label; a Service has no managed-by label of its own).</summary>
    public const string ServiceManagedByLabel = "app.kubernetes.io/managed-by";
    /// <summary>On a mirror EndpointSlice: the EndpointSlice controller leaves slices another manager names alone.</summary>
    public const string SliceManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    /// <summary>On a mirror Service, for `kubectl get svc -l mirror.mesh.io/mirrored-service=true`.</summary>
    public const string MirroredServiceLabel = "mirror.mesh.io/mirrored-service";
    /// <summary>On every mirror object: the catalog source that owns it (link/&lt;cluster&gt;), for people.</summary>
    public const string SourceAnnotation = "mirror.mesh.io/source";

    public const string WhyIgnored = "written by the mesh from a link's mirror (label managed-by mirror.mesh.io); the catalog holds it already";

    public static bool IsOurs(JsonObject obj, string managedByLabel) =>
        obj["metadata"]?["labels"]?[managedByLabel] is JsonValue v && v.TryGetValue<string>(out var s) && s == Manager;
}
