using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Grains.Federation;
using Mesh.Names;
using Mesh.Silo.Federation;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Writes each Link CR's <c>status</c> (the status subresource), during the leader's term only: the same status
/// `mesh get link -o yaml` shows (<see cref="LinkEndpoints.WithStatusAsync"/>: FederationConnected and one entry per
/// mirror), with <c>observedGeneration</c>, and a mirror the API server holds a foreign Service for
/// (<see cref="MirrorPublisher.Conflicts"/>) reported as NameConflict. The link grains' status is polled; a pass writes
/// only a status that differs from the CR's, so a settled Link is never rewritten.</summary>
internal sealed partial class LinkStatusWriter(IKubernetes client, IGrainFactory grains, MirrorPublisher mirrors, TimeProvider time, ILogger logger,
    TimeSpan quiet, TimeSpan resync, TimeSpan poll, int pageSize)
{
    private static readonly SyncKind Kind = SyncKinds.All.Single(k => k.Kind == ResourceKinds.Link.Kind);
    private readonly PassScheduler _passes = new(quiet, resync, time);

    /// <summary>A Link CR changed: a pass follows after the quiet window.</summary>
    public void Changed() => _passes.Changed();

    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(_passes.RunAsync(PassAsync, e => Log.PassFailed(logger, e), ct),
            CatalogPoll.RunAsync(FingerprintAsync, Changed, error => Log.PollFailed(logger, error), poll, time, ct));

    /// <summary>Every Link's status as the grains report it now (the CRs' generations aside).</summary>
    private async Task<string> FingerprintAsync()
    {
        var parts = new List<string>();
        foreach (var link in await grains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).ListAsync(ResourceKinds.Link.Kind))
            parts.Add((await StatusAsync(link, 0)).ToJsonString());
        return string.Join('\n', parts);
    }

    /// <summary>One pass over every Link CR the catalog holds (an invalid one is skipped by the sync, with its Event).</summary>
    internal async Task PassAsync(CancellationToken ct)
    {
        var written = 0;
        foreach (var cr in (await Kind.Api.ListAllAsync(client, pageSize, ct)).Items)
        {
            var (ns, name) = (Meta(cr, "namespace"), Meta(cr, "name"));
            if (ns != KubernetesObjects.Namespace) continue;
            var stored = await grains.GetGrain<ICatalogGrain>(ns).GetAsync(ResourceKinds.Link.Kind, name);
            if (stored is null || stored.Source != ResourceSources.Kubernetes) continue;
            var generation = cr["metadata"]?["generation"] is JsonValue g && g.TryGetValue<long>(out var n) ? n : 0;
            var desired = await StatusAsync(stored, generation);
            if (JsonNode.DeepEquals(cr["status"], desired)) continue;
            if (await WriteAsync(cr, desired, ct)) written++;
        }
        if (written > 0) Log.Wrote(logger, written);
    }

    private async Task<JsonObject> StatusAsync(StoredResource link, long generation)
    {
        var status = (JsonNode.Parse(await LinkEndpoints.WithStatusAsync(grains, link))!["status"]!.DeepClone()).AsObject();
        var conflicts = mirrors.Conflicts;
        foreach (var s in (status["services"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var (ns, name) = (s["namespace"]?.GetValue<string>() ?? "", s["name"]?.GetValue<string>() ?? "");
            if (s["reason"]?.GetValue<string>() != MirrorReasons.Mirrored || !conflicts.Contains((ns, name))) continue;
            s["status"] = "False";
            s["reason"] = MirrorReasons.NameConflict;
            s["message"] = $"the Kubernetes API server holds a Service {ns}/{name} the mesh did not create (no label "
                + $"{MirrorObjects.ServiceManagedByLabel}={MirrorObjects.Manager}); it is never overwritten: rename or delete it for the mirror to appear there";
        }
        if (generation > 0) status["observedGeneration"] = generation;
        return status;
    }

    private async Task<bool> WriteAsync(JsonObject cr, JsonObject status, CancellationToken ct)
    {
        var (group, version) = (Kind.ApiVersion.Split('/')[0], Kind.ApiVersion.Split('/')[1]);
        var (ns, name) = (Meta(cr, "namespace"), Meta(cr, "name"));
        var body = (JsonObject)cr.DeepClone();
        body["apiVersion"] = Kind.ApiVersion;
        body["kind"] = Kind.Kind;
        body["status"] = status;
        try
        {
            using var _ = await client.CustomObjects.ReplaceNamespacedCustomObjectStatusWithHttpMessagesAsync(
                JsonDocument.Parse(body.ToJsonString()).RootElement, group, version, ns, Kind.Plural, name, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response?.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            Log.Raced(logger, ns, name, (int)e.Response!.StatusCode);
            Changed();
            return false;
        }
    }

    private static string Meta(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";

    private static partial class Log
    {
        [LoggerMessage(EventId = 7355, Level = LogLevel.Debug, Message = "Kubernetes sync: wrote the status of {Count} Links")]
        public static partial void Wrote(ILogger logger, int count);

        [LoggerMessage(EventId = 7356, Level = LogLevel.Warning, Message = "Kubernetes sync: writing Link status failed; retrying with backoff")]
        public static partial void PassFailed(ILogger logger, Exception e);

        [LoggerMessage(EventId = 7357, Level = LogLevel.Debug, Message = "Kubernetes sync: Link {Namespace}/{Name} status write raced ({Code}); another pass follows")]
        public static partial void Raced(ILogger logger, string @namespace, string name, int code);

        [LoggerMessage(EventId = 7358, Level = LogLevel.Warning, Message = "Kubernetes sync: reading the links' status failed (retrying): {Error}")]
        public static partial void PollFailed(ILogger logger, string error);
    }
}
