using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Admin.Contract;
using Mesh.ControlPlane.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.ControlPlane.Tests.Admin;

[Collection(SiloCollection.Name)]
public sealed class AdminApiTests(SiloFixture silo)
{
    private const string Yaml = "apiVersion: v1\nkind: Service\nmetadata:\n  name: books\nspec:\n  ports:\n  - port: 8080\n";

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
    }

    [Fact]
    public async Task Apply_NoToken_401AndNothingWritten()
    {
        var response = await silo.Admin.PostAsync("/api/v1/apply?namespace=authtest", new StringContent(Yaml));
        var problem = await ProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Contains("admin-token", problem.GetProperty("detail").GetString());
        Assert.Empty(await silo.Grains.GetGrain<ICatalogGrain>("authtest").ListAsync(null));
    }

    [Fact]
    public async Task Apply_WrongToken_401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply") { Content = new StringContent(Yaml) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");
        await ProblemAsync(await silo.Admin.SendAsync(request), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Apply_BodyOver4MiB_413()
    {
        using var admin = silo.AuthorizedAdmin();
        var body = new string('#', 4 * 1024 * 1024 + 1);
        var response = await admin.PostAsync("/api/v1/apply", new StringContent(body, Encoding.UTF8, "application/yaml"));
        await ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Apply_ChunkedBodyOver4MiB_413()
    {
        using var admin = silo.AuthorizedAdmin();
        var content = new StreamContent(new MemoryStream(new byte[5 * 1024 * 1024]));
        content.Headers.ContentLength = null; // chunked: the limit must hold while reading, not only from Content-Length
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apply") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        await ProblemAsync(await admin.SendAsync(request), HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task Delete_NoToken_401()
    {
        var response = await silo.Admin.DeleteAsync("/api/v1/resources/svc/default/books");
        await ProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Delete_Absent_404()
    {
        using var admin = silo.AuthorizedAdmin();
        var problem = await ProblemAsync(await admin.DeleteAsync("/api/v1/resources/services/default/nope"), HttpStatusCode.NotFound);
        Assert.Equal("service nope.default not found", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task List_UnknownKind_400ListsKnownKinds()
    {
        var problem = await ProblemAsync(await silo.Admin.GetAsync("/api/v1/resources/gizmos"), HttpStatusCode.BadRequest);
        Assert.Contains("HTTPRoute", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task List_EmptyNamespace_EmptyItems()
    {
        var json = JsonDocument.Parse(await silo.Admin.GetStringAsync("/api/v1/resources/svc?namespace=empty-ns")).RootElement;
        Assert.Equal(0, json.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Get_Absent_404WithName()
    {
        var problem = await ProblemAsync(await silo.Admin.GetAsync("/api/v1/resources/svc/default/books-missing"), HttpStatusCode.NotFound);
        Assert.Equal("service books-missing.default not found", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Describe_ViewsSetDirectly_ReturnsVersionsCamelCase()
    {
        var name = "desc-" + Guid.NewGuid().ToString("N")[..6];
        var key = MeshNames.Key("default", name);
        await silo.Grains.GetGrain<IServiceGrain>(key).SetAsync(Views.Service(name));
        await silo.Grains.GetGrain<IEndpointSetGrain>(key).SetAsync(Views.Endpoints(name, Views.Workload("a", "127.0.0.11")));

        var json = JsonDocument.Parse(await silo.Admin.GetStringAsync($"/api/v1/services/default/{name}")).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("resource").ValueKind);
        Assert.Equal(1, json.GetProperty("service").GetProperty("version").GetInt64());
        Assert.Equal(8080, json.GetProperty("service").GetProperty("value").GetProperty("ports")[0].GetProperty("port").GetInt32());
        Assert.Equal("127.0.0.11", json.GetProperty("endpoints").GetProperty("value").GetProperty("endpoints")[0].GetProperty("address").GetString());
        Assert.Equal(0, json.GetProperty("profile").GetProperty("version").GetInt64());
    }

    [Fact]
    public async Task Describe_Unknown_404()
    {
        await ProblemAsync(await silo.Admin.GetAsync("/api/v1/services/default/never-there"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Info_ReportsStorageAndSilo()
    {
        var json = JsonDocument.Parse(await silo.Admin.GetStringAsync("/api/v1/info")).RootElement;
        Assert.Equal("sqlite", json.GetProperty("storage").GetString());
        Assert.Equal("cluster.local", json.GetProperty("trustDomain").GetString());
        Assert.False(string.IsNullOrEmpty(json.GetProperty("siloAddress").GetString()));
    }

    [Fact]
    public async Task Healthz_ActiveSilo_Ok()
    {
        Assert.Equal("ok", await silo.Admin.GetStringAsync("/healthz"));
    }

    [Fact]
    public async Task OpenApi_Document_ListsAdminRoutes()
    {
        var json = JsonDocument.Parse(await silo.Admin.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = json.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/v1/apply", paths);
        Assert.Contains("/api/v1/resources/{kind}/{ns}/{name}", paths);
    }

    /// <summary>Every route the silo maps under /api/v1 is in the OpenAPI document with a 2xx JSON response whose schema
    /// is a named record of Mesh.Admin.Contract (an array of one for the stats lists), and that schema is defined in
    /// the document's components. The stored resource of GET /resources/{kind}/{ns}/{name} is the one untyped body.</summary>
    [Fact]
    public async Task OpenApi_EveryMappedAdminRoute_HasATypedSuccessSchema()
    {
        var document = JsonDocument.Parse(await silo.Admin.GetStringAsync("/openapi/v1.json")).RootElement;
        var paths = document.GetProperty("paths");
        var schemas = document.GetProperty("components").GetProperty("schemas");
        var contract = typeof(AdminJsonContext).Assembly.GetExportedTypes().Where(t => !t.IsGenericType).Select(t => t.Name).ToHashSet();
        var routes = silo.Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/api/v1/", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? []).Select(m => (Method: m, Path: e.RoutePattern.RawText!)))
            .ToList();
        Assert.True(routes.Count >= 15, $"only {routes.Count} /api/v1 routes mapped");

        foreach (var (method, path) in routes)
        {
            var route = $"{method} {path}";
            var operation = default(JsonElement);
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method.ToLowerInvariant(), out operation), $"{route}: not in the document");
            var success = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name.StartsWith('2')).ToList();
            Assert.True(success.Count > 0, $"{route}: no 2xx response declared");
            foreach (var response in success)
            {
                var json = default(JsonElement);
                Assert.True(response.Value.TryGetProperty("content", out var content) && content.TryGetProperty("application/json", out json),
                    $"{route}: {response.Name} has no application/json content");
                var schema = json.GetProperty("schema");
                var named = schema.TryGetProperty("items", out var items) ? items : schema;
                Assert.True(named.TryGetProperty("$ref", out var reference), $"{route}: {response.Name} schema is not a named type: {schema}");
                var name = reference.GetString()!.Split('/')[^1];
                Assert.True(schemas.TryGetProperty(name, out _), $"{route}: schema {name} is not in components");
                var stored = method == "GET" && path == "/api/v1/resources/{kind}/{ns}/{name}";
                Assert.True(stored ? name == nameof(JsonElement) : contract.Contains(name), $"{route}: schema {name} is not a Mesh.Admin.Contract record");
            }
        }
    }

    [Fact]
    public async Task AdminRoute_OnControlListener_NotServed()
    {
        using var client = ControlChannel.Http(silo.Host.ControlUri, silo.DataDir);
        var response = await client.GetAsync("/api/v1/info");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public void AdminToken_File_IsOwnerOnly()
    {
        var mode = File.GetUnixFileMode(Path.Combine(silo.DataDir, "admin-token"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.True(silo.Token.Length >= 43);
    }
}
