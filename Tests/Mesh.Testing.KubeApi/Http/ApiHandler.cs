using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Mesh.Testing.KubeApi.Faults;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Resources;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>The request pipeline: armed faults, bearer-token authentication, authorization, then discovery or a
/// resource verb. Every failure leaves as a Status body; an exception here is a bug and answers 500.</summary>
internal sealed class ApiHandler(
    ResourceService resources,
    KindRegistry kinds,
    FaultInjector faults,
    TokenAuthority tokens,
    IKubeAuthorizer authorizer,
    TimeSpan bookmarkInterval,
    Func<string> serverAddress,
    TimeProvider time,
    Action<string> log)
{
    private const long MaxBodyBytes = 3 * 1024 * 1024;

    public async Task HandleAsync(HttpContext ctx)
    {
        log($"{ctx.Request.Method} {ctx.Request.Path}{ctx.Request.QueryString} [{ctx.Request.ContentType}]");
        try
        {
            var (fault, delay) = faults.Take(ctx.Request);
            if (delay > TimeSpan.Zero) await Task.Delay(delay, ctx.RequestAborted);
            if (fault is not null)
            {
                await Responses.Error(ctx, fault);
                return;
            }
            var user = Authenticate(ctx.Request);
            if (user is null)
            {
                await Responses.Error(ctx, ApiError.Unauthorized());
                return;
            }
            await RouteAsync(ctx, user);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            // The client went away.
        }
        catch (Exception e) when (!ctx.Response.HasStarted)
        {
            log($"500 {ctx.Request.Method} {ctx.Request.Path}: {e}");
            await Responses.Error(ctx, ApiError.Internal(e.Message));
        }
    }

    private KubeUser? Authenticate(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal)) return null;
        return tokens.Authenticate(header["Bearer ".Length..].Trim());
    }

    private async Task RouteAsync(HttpContext ctx, KubeUser user)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var method = ctx.Request.Method;
        if (path.TrimEnd('/') is "/healthz" or "/livez" or "/readyz")
        {
            ctx.Response.ContentType = "text/plain";
            await ctx.Response.WriteAsync("ok");
            return;
        }
        if (path.TrimEnd('/') is "/api" or "/apis" && AggregatedDiscovery.Wanted(ctx.Request))
        {
            if (!Authorized(ctx, user, "get", null, path, out var deniedDiscovery)) { await Responses.Error(ctx, deniedDiscovery!); return; }
            await Responses.Json(ctx, 200, AggregatedDiscovery.List(kinds, core: path.TrimEnd('/') == "/api"), AggregatedDiscovery.ContentType);
            return;
        }
        JsonNode? doc = path.TrimEnd('/') switch
        {
            "/version" => Discovery.Version(),
            "/api" => Discovery.CoreVersions(serverAddress()),
            "/apis" => Discovery.Groups(kinds),
            "/openapi/v3" => OpenApi.Root(kinds),
            _ when path.StartsWith("/openapi/v3/", StringComparison.Ordinal) => OpenApi.GroupVersion(kinds, path["/openapi/v3/".Length..]),
            _ => null,
        };
        var parsed = doc is null ? ApiPath.Parse(path) : null;
        if (doc is null && parsed is { Resource: null })
        {
            doc = parsed.Group.Length > 0 && path.Trim('/').Split('/').Length == 2
                ? Discovery.Group(kinds, parsed.Group)
                : Discovery.Resources(kinds, parsed.Group, parsed.Version);
        }
        if (doc is null && parsed is null && path.Trim('/').Split('/') is ["apis", var g])
            doc = Discovery.Group(kinds, g);
        if (doc is not null)
        {
            if (!Authorized(ctx, user, "get", null, path, out var denied)) { await Responses.Error(ctx, denied!); return; }
            await Responses.Json(ctx, 200, doc);
            return;
        }
        if (parsed?.Resource is null)
        {
            await Responses.Error(ctx, new ApiError(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        var kind = kinds.Find(parsed.Group, parsed.Version, parsed.Resource);
        if (kind is null || (kind.Namespaced == false && parsed.Namespace is not null))
        {
            await Responses.Error(ctx, new ApiError(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        if (parsed.Subresource is not null && !(parsed.Subresource == "status" && kind.HasStatus))
        {
            await Responses.Error(ctx, new ApiError(404, "NotFound", "the server could not find the requested resource"));
            return;
        }
        var isStatus = parsed.Subresource == "status";
        var watch = parsed.WatchPrefix || ListQuery.Flag(ctx.Request.Query, "watch");
        var verb = (method, parsed.Name) switch
        {
            ("GET", null) => watch ? "watch" : "list",
            ("GET", _) => watch ? "watch" : "get",
            ("POST", null) => "create",
            ("PUT", not null) => "update",
            ("PATCH", not null) => "patch",
            ("DELETE", not null) => "delete",
            _ => null,
        };
        if (verb is null)
        {
            await Responses.Error(ctx, ApiError.MethodNotAllowed($"the server does not allow this method on the requested resource"));
            return;
        }
        if (!Authorized(ctx, user, verb, (kind, parsed), path, out var forbidden)) { await Responses.Error(ctx, forbidden!); return; }
        if (kind.CreateOnly)
        {
            if (verb != "create") { await Responses.Error(ctx, ApiError.MethodNotAllowed("the server does not allow this method on the requested resource")); return; }
            if (!IsJson(ctx.Request.ContentType)) { await Responses.Error(ctx, ApiError.UnsupportedMediaType(ctx.Request.ContentType ?? "")); return; }
            var review = await ReadBodyAsync(ctx);
            if (!review.Ok) { await Responses.Error(ctx, review.Error!); return; }
            await Reply(ctx, 201, Reviews.Create(kind.Resource, review.Value, user, tokens, authorizer));
            return;
        }
        var ns = kind.Namespaced ? parsed.Namespace : null;
        switch (verb)
        {
            case "list" or "watch":
            {
                var q = ListQuery.Parse(ctx.Request.Query, kind.FieldLabels);
                if (!q.Ok) { await Responses.Error(ctx, q.Error!); return; }
                var query = q.Value!;
                if (parsed.Name is not null)
                    query = query with { Fields = Selectors.FieldSelector.Parse($"metadata.name={parsed.Name}").Value! };
                var table = TableFormat.Wanted(ctx.Request);
                if (verb == "watch")
                {
                    Func<JsonObject, JsonObject>? print = table ? o => TableFormat.FromObject(o, ctx.Request, time.GetUtcNow()) : null;
                    await WatchStream.ServeAsync(ctx, resources.Store, kind, ns, query, bookmarkInterval, print);
                }
                else
                {
                    var list = resources.List(kind, ns, query);
                    await Reply(ctx, 200, table && list.Ok ? TableFormat.FromList(list.Value!, ctx.Request, time.GetUtcNow()) : list);
                }
                return;
            }
            case "get":
                var got = resources.Get(kind, ns, parsed.Name!);
                await Reply(ctx, 200, TableFormat.Wanted(ctx.Request) && got.Ok ? TableFormat.FromObject(got.Value!, ctx.Request, time.GetUtcNow()) : got);
                return;
        }
        if (verb is "create" or "update" && !IsJson(ctx.Request.ContentType))
        {
            await Responses.Error(ctx, ApiError.UnsupportedMediaType(ctx.Request.ContentType ?? ""));
            return;
        }
        var body = await ReadBodyAsync(ctx);
        if (!body.Ok) { await Responses.Error(ctx, body.Error!); return; }
        switch (verb)
        {
            case "create":
                var dryRun = ctx.Request.Query["dryRun"].ToString();
                if (dryRun is not ("" or "All"))
                {
                    await Responses.Error(ctx, ApiError.BadRequest($"Invalid value: \"{dryRun}\": supported values: \"All\""));
                    return;
                }
                await Reply(ctx, 201, await resources.CreateAsync(kind, ns, body.Value, user, ctx.RequestAborted, dryRun: dryRun == "All"));
                return;
            case "update":
                await Reply(ctx, 200, await resources.ReplaceAsync(kind, ns, parsed.Name!, body.Value, isStatus, user, ctx.RequestAborted));
                return;
            case "patch":
                var patchType = (ctx.Request.ContentType ?? "").Split(';')[0].Trim();
                await Reply(ctx, 200, await resources.PatchAsync(kind, ns, parsed.Name!, patchType, body.Value, isStatus, user, ctx.RequestAborted));
                return;
            case "delete":
                var deleted = await resources.DeleteAsync(kind, ns, parsed.Name!, body.Value, user, ctx.RequestAborted);
                if (!deleted.Ok) { await Responses.Error(ctx, deleted.Error!); return; }
                var (obj, _) = deleted.Value;
                await Responses.Json(ctx, 200, ReturnsObjectOnDelete(kind) ? obj : DeletedStatus(kind, obj));
                return;
        }
    }

    /// <summary>Pods, namespaces, CRDs and custom resources answer a DELETE with the object; the other kinds with a
    /// Success Status naming it, as their registries do.</summary>
    private static bool ReturnsObjectOnDelete(KindInfo kind) => kind.IsCustom || kind.Resource is "pods" or "namespaces" or "customresourcedefinitions" or "services";

    private static JsonObject DeletedStatus(KindInfo kind, JsonObject obj)
    {
        var details = new JsonObject { ["name"] = obj["metadata"]?["name"]?.DeepClone() };
        if (kind.Group.Length > 0) details["group"] = kind.Group;
        details["kind"] = kind.Resource;
        details["uid"] = obj["metadata"]?["uid"]?.DeepClone();
        return new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["details"] = details };
    }

    private static bool IsJson(string? contentType) =>
        string.IsNullOrEmpty(contentType) || contentType.Split(';')[0].Trim() == "application/json";

    private bool Authorized(HttpContext ctx, KubeUser user, string verb, (KindInfo Kind, ApiPath Path)? resource, string path, out ApiError? error)
    {
        var attrs = resource is { } r
            ? new RequestAttributes(user, verb, true, r.Kind.Group, r.Kind.Version, r.Kind.Resource, r.Path.Subresource ?? "", r.Path.Namespace ?? "", r.Path.Name ?? "", path)
            : new RequestAttributes(user, verb, false, "", "", "", "", "", "", path);
        var decision = authorizer.Authorize(attrs);
        error = null;
        if (decision.Allowed) return true;
        var reason = decision.Reason.Length > 0 ? ": " + decision.Reason : "";
        error = resource is { } res
            ? ApiError.Forbidden($"{res.Kind.Resource}{(res.Kind.Group.Length > 0 ? "." + res.Kind.Group : "")} {(res.Path.Name is null ? "" : $"\"{res.Path.Name}\" ")}is forbidden: User \"{user.Name}\" cannot {verb} resource \"{res.Kind.Resource}\" in API group \"{res.Kind.Group}\"{(res.Path.Namespace is null ? " at the cluster scope" : $" in the namespace \"{res.Path.Namespace}\"")}{reason}")
            : ApiError.Forbidden($"forbidden: User \"{user.Name}\" cannot {verb} path \"{path}\"{reason}");
        return false;
    }

    private static async Task<Outcome<JsonNode?>> ReadBodyAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int n;
        while ((n = await ctx.Request.Body.ReadAsync(chunk, ctx.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, n);
            if (buffer.Length > MaxBodyBytes) return new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
        }
        if (buffer.Length == 0) return new Outcome<JsonNode?>(null, null);
        try
        {
            return new Outcome<JsonNode?>(JsonNode.Parse(buffer.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 128 }), null);
        }
        catch (JsonException e)
        {
            return ApiError.BadRequest($"the body of the request could not be decoded: {e.Message}");
        }
    }

    private static Task Reply(HttpContext ctx, int code, Outcome<JsonObject> outcome) =>
        outcome.Ok ? Responses.Json(ctx, code, outcome.Value!) : Responses.Error(ctx, outcome.Error!);
}
