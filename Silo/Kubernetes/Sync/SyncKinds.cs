using System.Collections.Immutable;
using System.Text.Json.Nodes;
using k8s.Models;
using Mesh.Abstractions.Resources;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>One Kubernetes kind the sync lists and watches, and the mesh kind its objects become.</summary>
/// <param name="ApiVersion">The Kubernetes group/version, e.g. gateway.networking.k8s.io/v1.</param>
/// <param name="MeshKind">The catalog kind its objects are stored as; null for Namespaces (their deletion clears the
/// namespace's synced resources, nothing is stored for them).</param>
/// <param name="Translate">Object → catalog resource (validated as `mesh apply` validates).</param>
internal sealed record SyncKind(string Kind, string ApiVersion, string Plural, KindApi Api, string? MeshKind, Func<JsonObject, Translation>? Translate)
{
    public override string ToString() => $"{Plural}.{ApiVersion}";
}

/// <summary>Every kind the sync feeds the catalog from, one entry each. Adding a kind is one entry here (and its
/// list/watch RBAC in the README).</summary>
internal static class SyncKinds
{
    public static readonly SyncKind Namespaces = new("Namespace", "v1", "namespaces",
        KindApi.Typed<V1Namespace, V1NamespaceList>((c, cont, limit, rv, watch, ct) => c.CoreV1.ListNamespaceWithHttpMessagesAsync(
            allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: limit, resourceVersion: rv, watch: watch ? true : null, cancellationToken: ct)),
        null, null);

    public static readonly ImmutableArray<SyncKind> All =
    [
        Namespaces,
        new("Service", "v1", "services",
            KindApi.Typed<V1Service, V1ServiceList>((c, cont, limit, rv, watch, ct) => c.CoreV1.ListServiceForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: limit, resourceVersion: rv, watch: watch ? true : null, cancellationToken: ct)),
            ResourceKinds.Service.Kind, ObjectTranslator.Service),
        new("Pod", "v1", "pods",
            KindApi.Typed<V1Pod, V1PodList>((c, cont, limit, rv, watch, ct) => c.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: limit, resourceVersion: rv, watch: watch ? true : null, cancellationToken: ct)),
            ResourceKinds.Workload.Kind, ObjectTranslator.Pod),
        new(ResourceKinds.EndpointSlice.Kind, ResourceKinds.EndpointSlice.ApiVersion, ResourceKinds.EndpointSlice.Plural,
            KindApi.Typed<V1EndpointSlice, V1EndpointSliceList>((c, cont, limit, rv, watch, ct) => c.DiscoveryV1.ListEndpointSliceForAllNamespacesWithHttpMessagesAsync(
                allowWatchBookmarks: watch ? true : null, continueParameter: cont, limit: limit, resourceVersion: rv, watch: watch ? true : null, cancellationToken: ct)),
            ResourceKinds.EndpointSlice.Kind, ObjectTranslator.EndpointSlice),
        .. ResourceKinds.CustomResources.Select(AsIs),
    ];

    /// <summary>A custom resource the mesh reads as it is (same group/version, kind and plural as the mesh kind).</summary>
    private static SyncKind AsIs(ResourceKind kind)
    {
        var slash = kind.ApiVersion.IndexOf('/');
        return new(kind.Kind, kind.ApiVersion, kind.Plural, KindApi.Custom(kind.ApiVersion[..slash], kind.ApiVersion[(slash + 1)..], kind.Plural),
            kind.Kind, obj => ObjectTranslator.AsIs(obj, kind));
    }
}
