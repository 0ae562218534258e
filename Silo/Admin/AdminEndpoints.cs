using System.Collections.Immutable;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Admin.Contract;
using Mesh.Grains.Catalog;
using Mesh.Silo.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Orleans.Runtime;

namespace Mesh.Silo.Admin;

/// <summary>The admin API: apply, list/get/delete by kind, describe a service, info, health. Reads are open; writes need
/// the bearer token. Every answer is a record of Mesh.Admin.Contract (the CLI reads the same records), so the OpenAPI
/// document names each response's schema.</summary>
internal static class AdminEndpoints
{
    public const long MaxApplyBytes = 4 * 1024 * 1024;

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/v1");
        api.MapPost("/apply", ApplyAsync).WithName("Apply")
            .WithSummary("Apply multi-document YAML or JSON (validated whole; nothing is written on any error)")
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge).ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/resources/{kind}", ListAsync).WithName("List").WithSummary("List resources of a kind; namespace omitted or * = all");
        // The stored document as applied (canonical JSON), passed through as text: its schema is the resource model's.
        api.MapGet("/resources/{kind}/{ns}/{name}", GetAsync).WithName("Get")
            .Produces<JsonElement>(StatusCodes.Status200OK, "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        api.MapDelete("/resources/{kind}/{ns}/{name}", DeleteAsync).WithName("Delete").ProducesProblem(StatusCodes.Status409Conflict);
        api.MapGet("/services/{ns}/{name}", DescribeAsync).WithName("DescribeService")
            .WithSummary("A service's resource plus its derived views (service, endpoints, profile) with versions");
        api.MapGet("/info", InfoAsync).WithName("Info");
        app.MapGet("/healthz", HealthAsync).WithName("Health")
            .Produces<string>(StatusCodes.Status200OK, "text/plain").Produces<string>(StatusCodes.Status503ServiceUnavailable, "text/plain");
    }

    private static async Task<Results<Ok<ApplyResponse>, ProblemHttpResult>> ApplyAsync(HttpRequest request, AdminToken token, IGrainFactory grains,
        [FromQuery(Name = "namespace")] string? ns, [FromQuery] bool? dryRun, CancellationToken cancellationToken)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        if (request.ContentLength > MaxApplyBytes) return AdminProblems.TooLarge(MaxApplyBytes);
        var text = await ReadLimitedAsync(request.Body, MaxApplyBytes, cancellationToken);
        if (text is null) return AdminProblems.TooLarge(MaxApplyBytes);

        var parsed = ResourceParser.Parse(text, string.IsNullOrWhiteSpace(ns) ? MeshNames.DefaultNamespace : ns);
        if (!parsed.Ok) return AdminProblems.Invalid(parsed.Errors);

        var resources = parsed.Resources.Select(r => new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0)).ToList();
        var groups = resources.GroupBy(r => r.Namespace).Select(g => new CatalogBatch(ResourceSources.Apply, 0, [.. g], [])).ToList();
        var outcomes = new Dictionary<StoredResource, Queue<ApplyOutcome>>(ReferenceEqualityComparer.Instance);
        // One catalog grain per namespace, each all or nothing. Everything was validated above; a resource another
        // source owns is looked for in every namespace first, so such an apply writes nothing anywhere.
        if (dryRun == true || groups.Count > 1)
            foreach (var batch in groups)
            {
                var current = (await grains.GetGrain<ICatalogGrain>(batch.Upserts[0].Namespace).ListAsync(null)).ToImmutableDictionary(r => ApplyPlanner.Key(r.Kind, r.Name));
                var (plan, answer) = CatalogWritePlanner.Compute(batch.Upserts[0].Namespace, current, 0, batch);
                if (plan is null) return AdminProblems.Refused(answer!);
                if (dryRun == true) Record(batch, plan.Outcomes);
            }
        if (dryRun != true)
            foreach (var batch in groups)
            {
                var result = await grains.GetGrain<ICatalogGrain>(batch.Upserts[0].Namespace).WriteAsync(batch);
                if (!result.Ok) return AdminProblems.Refused(result);
                Record(batch, result.Outcomes);
            }
        var results = resources.Select(r => outcomes[r].Dequeue())
            .Select(o => new ResourceOutcome(o.Kind, o.Namespace, o.Name, o.Action.ToString().ToLowerInvariant())).ToList();
        var existing = new Dictionary<string, IReadOnlyList<StoredResource>>();
        foreach (var n in BackendRefWarnings.Namespaces(resources))
            existing[n] = await grains.GetGrain<ICatalogGrain>(n).ListAsync(ResourceKinds.Service.Kind);
        var warnings = BackendRefWarnings.Compute(resources, existing);
        return TypedResults.Ok(new ApplyResponse(results, dryRun == true, warnings));

        void Record(CatalogBatch batch, ImmutableArray<ApplyOutcome> result)
        {
            for (var i = 0; i < batch.Upserts.Length; i++) outcomes[batch.Upserts[i]] = new Queue<ApplyOutcome>([result[i]]);
        }
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

    private static async Task<Results<Ok<ResourceList>, ProblemHttpResult>> ListAsync(string kind, [FromQuery(Name = "namespace")] string? ns, IGrainFactory grains)
    {
        if (ResourceKinds.Resolve(kind) is not { } k) return AdminProblems.UnknownKind(kind);
        var namespaces = string.IsNullOrWhiteSpace(ns) || ns == "*"
            ? await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync()
            : [ns];
        var lists = await Task.WhenAll(namespaces.Select(n => grains.GetGrain<ICatalogGrain>(n).ListAsync(k.Kind)));
        var items = new List<JsonElement>();
        foreach (var r in lists.SelectMany(l => l))
            items.Add(Parse(k.Kind == ResourceKinds.Link.Kind ? await Federation.LinkEndpoints.WithStatusAsync(grains, r) : r.Json));
        return TypedResults.Ok(new ResourceList(items));
    }

    private static async Task<IResult> GetAsync(string kind, string ns, string name, IGrainFactory grains)
    {
        if (ResourceKinds.Resolve(kind) is not { } k) return AdminProblems.UnknownKind(kind);
        var resource = await grains.GetGrain<ICatalogGrain>(ns).GetAsync(k.Kind, name);
        if (resource is null) return AdminProblems.NotFound(k, ns, name);
        return Results.Text(k.Kind == ResourceKinds.Link.Kind ? await Federation.LinkEndpoints.WithStatusAsync(grains, resource) : resource.Json, "application/json");
    }

    private static async Task<Results<Ok<DeleteResponse>, ProblemHttpResult>> DeleteAsync(string kind, string ns, string name, HttpRequest request, AdminToken token, IGrainFactory grains)
    {
        if (!token.Accepts(request.Headers.Authorization)) return AdminProblems.Unauthorized();
        if (ResourceKinds.Resolve(kind) is not { } k) return AdminProblems.UnknownKind(kind);
        var result = await grains.GetGrain<ICatalogGrain>(ns).WriteAsync(new CatalogBatch(ResourceSources.Apply, 0, [], [new ResourceKey(k.Kind, name)]));
        if (!result.Ok) return AdminProblems.Refused(result);
        return result.Deleted.IsEmpty ? AdminProblems.NotFound(k, ns, name) : TypedResults.Ok(new DeleteResponse(true));
    }

    private static async Task<Results<Ok<ServiceDescription>, ProblemHttpResult>> DescribeAsync(string ns, string name, IGrainFactory grains)
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
        return TypedResults.Ok(new ServiceDescription(
            resource is null ? null : Parse(resource.Json),
            ServiceDescriptions.Of(serviceTask.Result),
            ServiceDescriptions.Of(endpointsTask.Result),
            ServiceDescriptions.Of(profileTask.Result),
            consumersTask.Result));
    }

    /// <summary>GAMMA consumer routes other namespaces attach to the Service: (namespace, versioned profile) for each
    /// namespace that has any.</summary>
    private static async Task<IReadOnlyList<ConsumerRoutesInfo>> ConsumerRoutesAsync(string ns, string name, IGrainFactory grains)
    {
        var namespaces = (await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync()).Where(c => c != ns).ToArray();
        var profiles = await Task.WhenAll(namespaces.Select(c => grains.GetGrain<IProfileGrain>(MeshNames.ConsumerKey(ns, name, c)).GetAsync()));
        return [.. namespaces.Zip(profiles).Where(p => !p.Second.Value.Routes.IsEmpty)
            .Select(p => new ConsumerRoutesInfo(p.First, p.Second.Version, ServiceDescriptions.Routes(p.Second.Value.Routes)))];
    }

    private static Ok<InfoResponse> InfoAsync(SiloSettings settings, ILocalSiloDetails silo, SiloStartTime started, TimeProvider time) =>
        TypedResults.Ok(new InfoResponse(
            typeof(AdminEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0",
            settings.TrustDomain,
            settings.ClusterId,
            silo.SiloAddress.ToString(),
            settings.StorageKind,
            Math.Round((time.GetUtcNow() - started.Value).TotalSeconds, 1)));

    /// <summary>A stored resource's canonical JSON as an element of the answer (cloned: the document is not kept).</summary>
    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static async Task<IResult> HealthAsync(IClusterMembershipService membership, ILocalSiloDetails silo, StorageProbe storage,
        CancellationToken cancellationToken)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        if (status != SiloStatus.Active) return Results.Text($"silo is {status}", statusCode: StatusCodes.Status503ServiceUnavailable);
        if (await storage.CheckAsync(cancellationToken) is { } problem) return Results.Text(problem, statusCode: StatusCodes.Status503ServiceUnavailable);
        return Results.Text("ok");
    }
}
