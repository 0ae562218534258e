using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Grains.Catalog;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;

namespace Mesh.Silo.Admin;

/// <summary>The admin API: apply, list/get/delete by kind, describe a service, info, health. Reads are open; writes need
/// the bearer token. The CLI codes against exactly these routes and shapes.</summary>
internal static class AdminEndpoints
{
    public const long MaxApplyBytes = 4 * 1024 * 1024;

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapPost("/apply", ApplyAsync).WithName("Apply")
            .WithSummary("Apply multi-document YAML or JSON (validated whole; nothing is written on any error)");
        api.MapGet("/resources/{kind}", ListAsync).WithName("List").WithSummary("List resources of a kind; namespace omitted or * = all");
        api.MapGet("/resources/{kind}/{ns}/{name}", GetAsync).WithName("Get");
        api.MapDelete("/resources/{kind}/{ns}/{name}", DeleteAsync).WithName("Delete");
        api.MapGet("/services/{ns}/{name}", DescribeAsync).WithName("DescribeService")
            .WithSummary("A service's resource plus its derived views (service, endpoints, profile) with versions");
        api.MapGet("/info", InfoAsync).WithName("Info");
        app.MapGet("/healthz", HealthAsync).WithName("Health");
    }

    private static async Task<IResult> ApplyAsync(HttpRequest request, AdminToken token, IGrainFactory grains,
        [FromQuery(Name = "namespace")] string? ns, [FromQuery] bool? dryRun, CancellationToken cancellationToken)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        if (request.ContentLength > MaxApplyBytes) return AdminProblems.TooLarge(MaxApplyBytes);
        var text = await ReadLimitedAsync(request.Body, MaxApplyBytes, cancellationToken);
        if (text is null) return AdminProblems.TooLarge(MaxApplyBytes);

        var parsed = ResourceParser.Parse(text, string.IsNullOrWhiteSpace(ns) ? MeshNames.DefaultNamespace : ns);
        if (!parsed.Ok) return AdminProblems.Invalid(parsed.Errors);

        var resources = parsed.Resources.Select(r => new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0)).ToList();
        var outcomes = new Dictionary<StoredResource, Queue<ApplyOutcome>>(ReferenceEqualityComparer.Instance);
        // One catalog grain per namespace; everything was validated above, so only storage failures can split an apply.
        foreach (var group in resources.GroupBy(r => r.Namespace))
        {
            var batch = group.ToImmutableArray();
            var catalog = grains.GetGrain<ICatalogGrain>(group.Key);
            ImmutableArray<ApplyOutcome> result;
            if (dryRun == true)
            {
                var current = (await catalog.ListAsync(null)).ToImmutableDictionary(r => ApplyPlanner.Key(r.Kind, r.Name));
                result = ApplyPlanner.Compute(current, batch).Outcomes;
            }
            else result = await catalog.ApplyAsync(batch);
            for (var i = 0; i < batch.Length; i++) outcomes[batch[i]] = new Queue<ApplyOutcome>([result[i]]);
        }
        var results = resources.Select(r => outcomes[r].Dequeue()).Select(o => new
        {
            kind = o.Kind, @namespace = o.Namespace, name = o.Name, action = o.Action.ToString().ToLowerInvariant(),
        });
        var existing = new Dictionary<string, IReadOnlyList<StoredResource>>();
        foreach (var n in BackendRefWarnings.Namespaces(resources))
            existing[n] = await grains.GetGrain<ICatalogGrain>(n).ListAsync(ResourceKinds.Service.Kind);
        var warnings = BackendRefWarnings.Compute(resources, existing);
        return Results.Ok(new { results, dryRun = dryRun == true, warnings });
    }

    private static async Task<string?> ReadLimitedAsync(Stream body, long limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit) return null;
            buffer.Write(chunk, 0, read);
        }
        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static async Task<IResult> ListAsync(string kind, [FromQuery(Name = "namespace")] string? ns, IGrainFactory grains)
    {
        if (ResourceKinds.Resolve(kind) is not { } k) return AdminProblems.UnknownKind(kind);
        var namespaces = string.IsNullOrWhiteSpace(ns) || ns == "*"
            ? await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync()
            : [ns];
        var lists = await Task.WhenAll(namespaces.Select(n => grains.GetGrain<ICatalogGrain>(n).ListAsync(k.Kind)));
        var items = new JsonArray(lists.SelectMany(l => l).Select(r => JsonNode.Parse(r.Json)).ToArray());
        return Results.Json(new JsonObject { ["items"] = items });
    }

    private static async Task<IResult> GetAsync(string kind, string ns, string name, IGrainFactory grains)
    {
        if (ResourceKinds.Resolve(kind) is not { } k) return AdminProblems.UnknownKind(kind);
        var resource = await grains.GetGrain<ICatalogGrain>(ns).GetAsync(k.Kind, name);
        return resource is null ? AdminProblems.NotFound(k, ns, name) : Results.Text(resource.Json, "application/json");
    }

    private static async Task<IResult> DeleteAsync(string kind, string ns, string name, HttpRequest request, AdminToken token, IGrainFactory grains)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        if (ResourceKinds.Resolve(kind) is not { } k) return AdminProblems.UnknownKind(kind);
        return await grains.GetGrain<ICatalogGrain>(ns).DeleteAsync(k.Kind, name)
            ? Results.Ok(new { deleted = true })
            : AdminProblems.NotFound(k, ns, name);
    }

    private static async Task<IResult> DescribeAsync(string ns, string name, IGrainFactory grains)
    {
        var key = MeshNames.Key(ns, name);
        var resourceTask = grains.GetGrain<ICatalogGrain>(ns).GetAsync(ResourceKinds.Service.Kind, name);
        var serviceTask = grains.GetGrain<IServiceGrain>(key).GetAsync();
        var endpointsTask = grains.GetGrain<IEndpointSetGrain>(key).GetAsync();
        var profileTask = grains.GetGrain<IProfileGrain>(key).GetAsync();
        var consumersTask = ConsumerRoutesAsync(ns, name, grains);
        await Task.WhenAll(resourceTask, serviceTask, endpointsTask, profileTask, consumersTask);
        var resource = resourceTask.Result;
        if (resource is null && serviceTask.Result.Value is null) return AdminProblems.NotFound(ResourceKinds.Service, ns, name);
        return Results.Ok(new
        {
            resource = resource is null ? null : JsonNode.Parse(resource.Json),
            service = serviceTask.Result,
            endpoints = endpointsTask.Result,
            profile = profileTask.Result,
            consumerRoutes = consumersTask.Result,
        });
    }

    /// <summary>GAMMA consumer routes other namespaces attach to the Service: (namespace, versioned profile) for each
    /// namespace that has any.</summary>
    private static async Task<object[]> ConsumerRoutesAsync(string ns, string name, IGrainFactory grains)
    {
        var namespaces = (await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync()).Where(c => c != ns).ToArray();
        var profiles = await Task.WhenAll(namespaces.Select(c => grains.GetGrain<IProfileGrain>(MeshNames.ConsumerKey(ns, name, c)).GetAsync()));
        return [.. namespaces.Zip(profiles).Where(p => !p.Second.Value.Routes.IsEmpty)
            .Select(p => (object)new { @namespace = p.First, version = p.Second.Version, routes = p.Second.Value.Routes })];
    }

    private static IResult InfoAsync(SiloSettings settings, ILocalSiloDetails silo, SiloStartTime started, TimeProvider time) =>
        Results.Ok(new
        {
            version = typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
                ?.Split('+')[0] ?? "0.0.0",
            trustDomain = settings.TrustDomain,
            clusterId = settings.ClusterId,
            siloAddress = silo.SiloAddress.ToString(),
            storage = settings.StorageKind,
            uptimeSeconds = Math.Round((time.GetUtcNow() - started.Value).TotalSeconds, 1),
        });

    private static async Task<IResult> HealthAsync(IClusterMembershipService membership, ILocalSiloDetails silo, StorageProbe storage,
        CancellationToken cancellationToken)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active) return Results.Text($"silo is {status}", statusCode: StatusCodes.Status503ServiceUnavailable);
        if (await storage.CheckAsync(cancellationToken) is { } problem) return Results.Text(problem, statusCode: StatusCodes.Status503ServiceUnavailable);
        return Results.Text("ok");
    }
}
