using System.Collections.Immutable;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Admin.Contract;
using Mesh.Grains.Catalog;
using Mesh.Grains.Federation;
using Mesh.Names;
using Mesh.Silo.Admin;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Mesh.Silo.Federation;

/// <summary>The admin API's link endpoints: `GET /api/v1/multicluster/links` (every Link's status and the orphans,
/// for `mesh multicluster check` and `gateways`) and `POST /api/v1/multicluster/links/{cluster}/unlink` (token: the
/// Link and exactly the resources of source link/{cluster}, in one step). A Link read through the resource API carries
/// the same status (<see cref="WithStatusAsync"/>).</summary>
internal static class LinkEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/api/v1/multicluster/links", ListAsync).WithName("MulticlusterLinks")
            .WithSummary("Every Link with FederationConnected, GatewayAlive and one condition per mirror; resources of links that no longer exist");
        app.MapPost("/api/v1/multicluster/links/{cluster}/unlink", UnlinkAsync).WithName("MulticlusterUnlink")
            .WithSummary("Delete the Link and every resource whose source is link/{cluster}").ProducesProblem(StatusCodes.Status409Conflict);
    }

    private static async Task<Ok<LinksResponse>> ListAsync(IGrainFactory grains)
    {
        var links = await grains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).ListAsync(ResourceKinds.Link.Kind);
        var rows = new List<LinkStatusRow>();
        foreach (var stored in links)
        {
            var link = ResourceJson.Deserialize<LinkResource>(stored.Json);
            rows.Add(Row(link, await grains.GetGrain<ILinkGrain>(stored.Name).GetStatusAsync()));
        }
        var linked = links.Select(l => ResourceSources.Link(l.Name)).ToHashSet(StringComparer.Ordinal);
        var orphans = new List<OwnedResource>();
        foreach (var ns in await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync())
            foreach (var r in await grains.GetGrain<ICatalogGrain>(ns).ListAsync(null))
                if (r.Source.StartsWith(ResourceSources.LinkPrefix, StringComparison.Ordinal) && !linked.Contains(r.Source))
                    orphans.Add(new OwnedResource(r.Source, r.Kind, r.Namespace, r.Name));
        return TypedResults.Ok(new LinksResponse(rows, orphans));
    }

    private static async Task<Results<Ok<UnlinkResponse>, ProblemHttpResult>> UnlinkAsync(string cluster, HttpRequest request, AdminToken token, IGrainFactory grains)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        if (ResourceSources.Validate(ResourceSources.Link(cluster)) is { } bad) return AdminProblems.BadRequest(bad);
        // The Link first: once it is gone no refresh restarts the watch, so nothing is mirrored after the deletes.
        var deleted = await grains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace)
            .WriteAsync(new CatalogBatch(ResourceSources.Apply, 0, [], [new ResourceKey(ResourceKinds.Link.Kind, cluster)]));
        if (!deleted.Ok) return AdminProblems.Refused(deleted);
        var removed = await grains.GetGrain<ILinkGrain>(cluster).UnlinkAsync();
        return TypedResults.Ok(new UnlinkResponse(cluster, !deleted.Deleted.IsEmpty, removed));
    }

    /// <summary>A Link document with <c>status</c>: <c>conditions</c> (FederationConnected, GatewayAlive),
    /// <c>gatewayLatencyMs</c> (the last successful probe, when there was one) and <c>services</c>, one condition per
    /// mirror.</summary>
    public static async Task<string> WithStatusAsync(IGrainFactory grains, StoredResource stored)
    {
        var row = Row(ResourceJson.Deserialize<LinkResource>(stored.Json), await grains.GetGrain<ILinkGrain>(stored.Name).GetStatusAsync());
        var doc = JsonNode.Parse(stored.Json)!.AsObject();
        static JsonNode Condition(LinkConditionInfo c) => new JsonObject
        {
            ["type"] = c.Type, ["status"] = c.Status, ["reason"] = c.Reason, ["message"] = c.Message,
            ["lastTransitionTime"] = c.LastTransitionTime.ToString("O"),
        };
        doc["status"] = new JsonObject
        {
            ["conditions"] = new JsonArray(Condition(row.FederationConnected), Condition(row.GatewayAlive!)),
            ["gatewayLatencyMs"] = row.GatewayLatencyMs,
            ["services"] = new JsonArray([.. row.Services.Select(s => (JsonNode)new JsonObject
            {
                ["namespace"] = s.Namespace, ["name"] = s.Name, ["remoteService"] = s.RemoteService,
                ["status"] = s.Reason == MirrorReasons.Mirrored ? "True" : "False", ["reason"] = s.Reason, ["message"] = s.Message,
            })]),
        };
        return doc.ToJsonString();
    }

    private static LinkStatusRow Row(LinkResource link, LinkStatus status)
    {
        static LinkConditionInfo Info(LinkCondition c) => new(c.Type, c.Status ? "True" : "False", c.Reason, c.Message, c.LastTransitionTime);
        return new LinkStatusRow(link.Metadata.Name, link.Spec.FederationAddress, link.Spec.GatewayAddress, Info(status.FederationConnected),
            [.. status.Services.Select(s => new MirrorStatusInfo(s.Namespace, s.Name, s.RemoteName, s.Reason, s.Message))],
            status.LastMessage, Info(status.GatewayAlive), status.GatewayLatency?.TotalMilliseconds, status.RemoteTrustAnchors);
    }
}
