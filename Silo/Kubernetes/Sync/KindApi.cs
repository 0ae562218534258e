using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>One page of a list: the objects as JSON, the list's resourceVersion and the continue token (null: last page).</summary>
internal sealed record ListPage(IReadOnlyList<JsonObject> Items, string ResourceVersion, string? Continue);

/// <summary>How one kind is listed and watched with KubernetesClient, every object handed on as the API server's JSON
/// (typed models for the core kinds, custom objects for the rest), across all namespaces.</summary>
internal abstract class KindApi
{
    public abstract Task<ListPage> ListAsync(IKubernetes client, string? continueToken, int limit, CancellationToken ct);

    /// <summary>Watches from <paramref name="resourceVersion"/> with bookmarks. <paramref name="onError"/> gets every
    /// error the stream carries (a 410 is only reported there: without it the stream just ends).</summary>
    public abstract IAsyncEnumerable<(WatchEventType Type, JsonObject Object)> WatchAsync(IKubernetes client, string resourceVersion,
        Action<Exception> onError, CancellationToken ct);

    /// <summary>Every page (limit + continue), as one page: the objects and the last page's resourceVersion.</summary>
    public async Task<ListPage> ListAllAsync(IKubernetes client, int pageSize, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        string? cont = null;
        string version;
        do
        {
            var page = await ListAsync(client, cont, pageSize, ct);
            items.AddRange(page.Items);
            version = page.ResourceVersion;
            cont = page.Continue;
        }
        while (cont is not null);
        return new ListPage(items, version, null);
    }

    public static KindApi Typed<T, TList>(Func<IKubernetes, string?, int?, string?, bool, CancellationToken, Task<HttpOperationResponse<TList>>> list)
        where TList : IKubernetesObject<V1ListMeta>, IItems<T> => new TypedApi<T, TList>(list);

    public static KindApi Custom(string group, string version, string plural) => new CustomApi(group, version, plural);

    private static JsonObject ToJson<T>(T item) => JsonNode.Parse(KubernetesJson.Serialize(item)) as JsonObject
        ?? throw new JsonException($"a {typeof(T).Name} that is not a JSON object");

    private sealed class TypedApi<T, TList>(Func<IKubernetes, string?, int?, string?, bool, CancellationToken, Task<HttpOperationResponse<TList>>> list) : KindApi
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
    {
        public override async Task<ListPage> ListAsync(IKubernetes client, string? continueToken, int limit, CancellationToken ct)
        {
            using var response = await list(client, continueToken, limit, null, false, ct);
            var body = response.Body;
            return new ListPage([.. (body.Items ?? []).Select(ToJson)], body.Metadata?.ResourceVersion ?? "",
                string.IsNullOrEmpty(body.Metadata?.ContinueProperty) ? null : body.Metadata.ContinueProperty);
        }

        public override async IAsyncEnumerable<(WatchEventType, JsonObject)> WatchAsync(IKubernetes client, string resourceVersion,
            Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
        {
#pragma warning disable CS0618 // WatchAsync over the list response is the library's watch API for every kind alike.
            await foreach (var (type, item) in list(client, null, null, resourceVersion, true, ct).WatchAsync<T, TList>(onError, ct))
#pragma warning restore CS0618
                yield return (type, ToJson(item));
        }
    }

    private sealed class CustomApi(string group, string version, string plural) : KindApi
    {
        public override async Task<ListPage> ListAsync(IKubernetes client, string? continueToken, int limit, CancellationToken ct)
        {
            using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<JsonElement>(group, version, plural,
                continueParameter: continueToken, limit: limit, cancellationToken: ct);
            var body = JsonNode.Parse(response.Body.GetRawText()) as JsonObject ?? new JsonObject();
            var items = (body["items"] as JsonArray ?? []).OfType<JsonObject>().Select(o => (JsonObject)o.DeepClone()).ToList();
            var cont = body["metadata"]?["continue"]?.GetValue<string>();
            return new ListPage(items, body["metadata"]?["resourceVersion"]?.GetValue<string>() ?? "", string.IsNullOrEmpty(cont) ? null : cont);
        }

        public override async IAsyncEnumerable<(WatchEventType, JsonObject)> WatchAsync(IKubernetes client, string resourceVersion,
            Action<Exception> onError, [EnumeratorCancellation] CancellationToken ct)
        {
            var response = client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<object>(group, version, plural,
                allowWatchBookmarks: true, resourceVersion: resourceVersion, watch: true, cancellationToken: ct);
#pragma warning disable CS0618
            await foreach (var (type, item) in response.WatchAsync<JsonElement, object>(onError, ct))
#pragma warning restore CS0618
                if (JsonNode.Parse(item.GetRawText()) is JsonObject obj) yield return (type, obj);
        }
    }
}
