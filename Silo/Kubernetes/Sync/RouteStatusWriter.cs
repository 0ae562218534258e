using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Writes the mesh's <see cref="RouteStatus"/> onto every HTTPRoute/GRPCRoute, during the leader's term only.
/// The Service and route loops call <see cref="Changed"/>; after a short quiet window (a relist or a burst is one pass)
/// one pass lists the Services and routes from the API server and replaces `status` (the status subresource, with the
/// route's resourceVersion: a concurrent writer's 409 just schedules another pass) where the parents it computes differ
/// from what the route says. A status write changes the route's resourceVersion but not the document the catalog
/// holds, and the next pass finds nothing to write: no loop.</summary>
internal sealed partial class RouteStatusWriter(IKubernetes client, TimeProvider time, ILogger logger, TimeSpan quiet, TimeSpan resync, int pageSize)
{
    private readonly PassScheduler _passes = new(quiet, resync, time);

    /// <summary>A Service or a route changed: a pass follows after the quiet window.</summary>
    public void Changed() => _passes.Changed();

    public Task RunAsync(CancellationToken ct) => _passes.RunAsync(PassAsync, e => Log.PassFailed(logger, e), ct);

    /// <summary>One pass over every route.</summary>
    internal async Task PassAsync(CancellationToken ct)
    {
        var services = new Dictionary<(string, string), RouteStatus.ServicePorts>();
        foreach (var service in (await SyncKinds.All.Single(k => k.Kind == "Service").Api.ListAllAsync(client, pageSize, ct)).Items)
        {
            var ports = (service["spec"]?["ports"] as JsonArray ?? []).OfType<JsonObject>()
                .Select(p => p["port"] is JsonValue v && v.TryGetValue<int>(out var port) ? port : (int?)null).OfType<int>().ToHashSet();
            services[(Meta(service, "namespace"), Meta(service, "name"))] = new RouteStatus.ServicePorts(ports);
        }
        var written = 0;
        foreach (var kind in SyncKinds.All.Where(k => k.Kind is "HTTPRoute" or "GRPCRoute"))
            foreach (var route in (await kind.Api.ListAllAsync(client, pageSize, ct)).Items)
            {
                var invalid = kind.Translate!(route) is Translation.Invalid bad ? bad.Errors : [];
                var desired = RouteStatus.Parents(route, invalid, services, time.GetUtcNow());
                if (RouteStatus.Same(route["status"]?["parents"] as JsonArray, desired)) continue;
                if (await WriteAsync(kind, route, desired, ct)) written++;
            }
        if (written > 0) Log.Wrote(logger, written);
    }

    private async Task<bool> WriteAsync(SyncKind kind, JsonObject route, JsonArray parents, CancellationToken ct)
    {
        var (group, version) = (kind.ApiVersion.Split('/')[0], kind.ApiVersion.Split('/')[1]);
        var (ns, name) = (Meta(route, "namespace"), Meta(route, "name"));
        var body = (JsonObject)route.DeepClone();
        body["apiVersion"] = kind.ApiVersion;
        body["kind"] = kind.Kind;
        var status = body["status"] as JsonObject ?? new JsonObject();
        status["parents"] = parents;
        body["status"] = status;
        try
        {
            using var _ = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusWithHttpMessagesAsync(
                System.Text.Json.JsonDocument.Parse(body.ToJsonString()).RootElement, group, version, ns, kind.Plural, name, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Changed or deleted since the list: the watch brings the change, and the next pass sees it.
            Log.Raced(logger, kind.Kind, ns, name, (int)e.Response!.StatusCode);
            Changed();
            return false;
        }
    }

    private static string Meta(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";

    private static partial class Log
    {
        [LoggerMessage(EventId = 7340, Level = LogLevel.Debug, Message = "Kubernetes sync: wrote the status of {Count} routes")]
        public static partial void Wrote(ILogger logger, int count);

        [LoggerMessage(EventId = 7341, Level = LogLevel.Warning, Message = "Kubernetes sync: writing route status failed; retrying with backoff")]
        public static partial void PassFailed(ILogger logger, Exception e);

        [LoggerMessage(EventId = 7342, Level = LogLevel.Debug, Message = "Kubernetes sync: {Kind} {Namespace}/{Name} status write raced ({Code}); another pass follows")]
        public static partial void Raced(ILogger logger, string kind, string @namespace, string name, int code);
    }
}
