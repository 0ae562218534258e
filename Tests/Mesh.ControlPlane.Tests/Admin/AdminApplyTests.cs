using System.Net;
using System.Text.Json;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.Admin;

/// <summary>Apply through the admin API end to end: parser → catalog grain → reconciler → view grains → watchers.</summary>
[Collection(SiloCollection.Name)]
public sealed class AdminApplyTests(SiloFixture silo)
{
    private static string NewNamespace() => "ns-" + Guid.NewGuid().ToString("N")[..8];

    private static string Workload(string name, string address, string version = "v1") => $"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: {name}
          labels: {"{"}app: books, version: {version}{"}"}
        spec:
          serviceAccount: books
          addresses: [{address}]
          ports: [{"{"}name: http, port: 7001{"}"}]
          proxy: {"{"}inboundPort: 4143, adminPort: 4191{"}"}
        """;

    private const string Books = """
        apiVersion: v1
        kind: Service
        metadata:
          name: books
        spec:
          selector: {app: books}
          ports: [{name: http, port: 8080, targetPort: 7001}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: books-v2
        spec:
          selector: {app: books, version: v2}
          ports: [{name: http, port: 8080, targetPort: 7001}]
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: books-split
        spec:
          parentRefs: [{group: "", kind: Service, name: books, port: 8080}]
          rules:
            - backendRefs:
                - {name: books, port: 8080, weight: 90}
                - {name: books-v2, port: 8080, weight: 10}
        """;

    private static string Docs(params string[] docs) => string.Join("\n---\n", docs);

    private async Task<(HttpStatusCode Status, JsonElement Body)> ApplyAsync(string yaml, string ns, bool dryRun = false)
    {
        using var admin = silo.AuthorizedAdmin();
        var response = await admin.PostAsync($"/api/v1/apply?namespace={ns}{(dryRun ? "&dryRun=true" : "")}", new StringContent(yaml));
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    private static string[] Actions(JsonElement body) =>
        body.GetProperty("results").EnumerateArray().Select(r => $"{r.GetProperty("kind").GetString()}/{r.GetProperty("name").GetString()}={r.GetProperty("action").GetString()}").ToArray();

    [Fact]
    public async Task Apply_BackendRefsThatDoNotResolve_AppliedWithAWarningEach()
    {
        var ns = NewNamespace();
        const string route = """
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec:
              selector: {app: books}
              ports: [{port: 8080, targetPort: 7001}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books-split}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, port: 8080}]
              rules:
                - backendRefs: [{name: books-v1, port: 8080, weight: 90}, {name: books, port: 9090, weight: 10}]
            """;
        var (status, body) = await ApplyAsync(route, ns);
        Assert.Equal(HttpStatusCode.OK, status);
        var warnings = body.GetProperty("warnings").EnumerateArray().Select(w => w.GetString()).ToList();
        Assert.Equal([
            $"HTTPRoute books-split.{ns}: backendRef books-v1:8080: no Service books-v1 in namespace {ns}; requests routed to it fail with 503 until it is applied",
            $"HTTPRoute books-split.{ns}: backendRef books:9090: Service books.{ns} has no port 9090 (its ports: 8080); requests routed to it fail with 503",
        ], warnings);

        // Once the backends exist the same route is clean; Services in the same apply count too.
        var (_, fixedBody) = await ApplyAsync(route.Replace("books-v1", "books").Replace("9090", "8080"), ns);
        Assert.Empty(fixedBody.GetProperty("warnings").EnumerateArray());
        var (_, booksBody) = await ApplyAsync(Books, ns);
        Assert.Empty(booksBody.GetProperty("warnings").EnumerateArray());
    }

    [Fact]
    public async Task Apply_Twice_CreatedThenUnchangedThenConfigured()
    {
        var ns = NewNamespace();
        var yaml = Docs(Books, Workload("books-1", "127.0.0.11"));
        var (status, body) = await ApplyAsync(yaml, ns);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["Service/books=created", "Service/books-v2=created", "HTTPRoute/books-split=created", "Workload/books-1=created"], Actions(body));

        Assert.All(Actions((await ApplyAsync(yaml, ns)).Body), a => Assert.EndsWith("=unchanged", a));
        var changed = await ApplyAsync(Docs(Books, Workload("books-1", "127.0.0.21")), ns);
        Assert.Contains("Workload/books-1=configured", Actions(changed.Body));
    }

    [Fact]
    public async Task Apply_BooksExample_WatchSeesBothEndpointsSplitAndThenAThird()
    {
        var ns = NewNamespace();
        Assert.Equal(HttpStatusCode.OK, (await ApplyAsync(Docs(Books, Workload("books-1", "127.0.0.11"), Workload("books-2", "127.0.0.12", "v2")), ns)).Status);

        await using var watch = new WatchClient(new Api.V1.Discovery.DiscoveryClient(silo.Control), $"books.{ns}.svc.cluster.local:8080");
        await watch.WaitUntil(w => w.Endpoints.Count == 2, "two endpoints");
        Assert.Equal(["127.0.0.11:7001", "127.0.0.12:7001"], watch.Endpoints.Keys.Order());
        var endpoint = watch.Endpoints["127.0.0.11:7001"];
        Assert.Equal($"spiffe://cluster.local/ns/{ns}/sa/books", endpoint.Identity);
        Assert.Equal(4143u, endpoint.ProxyPort);
        var route = Assert.Single(watch.Profile!.Routes);
        Assert.Equal([90u, 10u], route.Backends.Select(b => b.Weight));

        await ApplyAsync(Workload("books-3", "127.0.0.13"), ns);
        await watch.WaitUntil(w => w.Endpoints.ContainsKey("127.0.0.13:7001"), "third endpoint");
        Assert.Equal(ServiceUpdate.KindOneofCase.Upserted, watch.Updates.Last().KindCase);
    }

    [Fact]
    public async Task Apply_UnknownField_400WithPathAndNothingWritten()
    {
        var ns = NewNamespace();
        var bad = Docs(Books, "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec:\n  portz: []\n");
        var (status, body) = await ApplyAsync(bad, ns);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("errors").EnumerateArray().First();
        Assert.Equal(4, error.GetProperty("document").GetInt32());
        Assert.Contains("portz", error.GetProperty("path").GetString());
        Assert.Empty(await silo.Grains.GetGrain<ICatalogGrain>(ns).ListAsync(null));
    }

    [Fact]
    public async Task Apply_BrokenYaml_400NothingWritten()
    {
        var ns = NewNamespace();
        var (status, body) = await ApplyAsync(Books + "\n---\nkind: [unclosed\n", ns);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.NotEqual(0, body.GetProperty("errors").GetArrayLength());
        Assert.Empty(await silo.Grains.GetGrain<ICatalogGrain>(ns).ListAsync(null));
    }

    [Fact]
    public async Task Apply_UnclosedFlowMapping_400WithLineNothingWritten()
    {
        // Was a 500: YamlDotNet's scanner throws InvalidOperationException on this (issue 11).
        var ns = NewNamespace();
        var (status, body) = await ApplyAsync(Books + "\n---\napiVersion: v1\nkind: Service\nmetadata: {name: x\nspec:\n  ports: [{port: 80}]\n", ns);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal(4, error.GetProperty("document").GetInt32());
        Assert.Equal("line 31, column 1", error.GetProperty("path").GetString());
        Assert.Contains("'}' or ']' missing", error.GetProperty("message").GetString());
        Assert.Empty(await silo.Grains.GetGrain<ICatalogGrain>(ns).ListAsync(null));
    }

    [Fact]
    public async Task Apply_DryRun_ReportsActionsWritesNothing()
    {
        var ns = NewNamespace();
        var (status, body) = await ApplyAsync(Books, ns, dryRun: true);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.All(Actions(body), a => Assert.EndsWith("=created", a));
        Assert.Empty(await silo.Grains.GetGrain<ICatalogGrain>(ns).ListAsync(null));
    }

    [Fact]
    public async Task ListGetDescribeDelete_AfterApply()
    {
        var ns = NewNamespace();
        await ApplyAsync(Docs(Books, Workload("books-1", "127.0.0.11")), ns);

        var list = JsonDocument.Parse(await silo.Admin.GetStringAsync($"/api/v1/resources/svc?namespace={ns}")).RootElement;
        Assert.Equal(["books", "books-v2"], list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()).Order());
        var all = JsonDocument.Parse(await silo.Admin.GetStringAsync("/api/v1/resources/workloads?namespace=*")).RootElement;
        Assert.Contains(all.GetProperty("items").EnumerateArray(), i => i.GetProperty("metadata").GetProperty("namespace").GetString() == ns);

        var one = JsonDocument.Parse(await silo.Admin.GetStringAsync($"/api/v1/resources/Service/{ns}/books")).RootElement;
        Assert.Equal("Service", one.GetProperty("kind").GetString());

        var describe = JsonDocument.Parse(await silo.Admin.GetStringAsync($"/api/v1/services/{ns}/books")).RootElement;
        Assert.Equal("books", describe.GetProperty("resource").GetProperty("metadata").GetProperty("name").GetString());
        Assert.True(describe.GetProperty("service").GetProperty("version").GetInt64() >= 1);
        Assert.Equal(1, describe.GetProperty("endpoints").GetProperty("value").GetProperty("endpoints").GetArrayLength());
        Assert.Equal(1, describe.GetProperty("profile").GetProperty("value").GetProperty("routes").GetArrayLength());

        await using var watch = new WatchClient(new Api.V1.Discovery.DiscoveryClient(silo.Control), $"books.{ns}:8080");
        await watch.WaitUntil(w => w.Exists, "service exists");

        using var admin = silo.AuthorizedAdmin();
        var deleted = await admin.DeleteAsync($"/api/v1/resources/service/{ns}/books");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await silo.Admin.GetAsync($"/api/v1/resources/service/{ns}/books")).StatusCode);
        await watch.WaitUntil(w => w.Updates.Last().KindCase == ServiceUpdate.KindOneofCase.Deleted, "deleted");
    }

    [Fact]
    public async Task Delete_Workload_InboundPolicyBecomesMissing()
    {
        var ns = NewNamespace();
        await ApplyAsync(Docs(Books, Workload("books-1", "127.0.0.11")), ns);
        var inbound = silo.Grains.GetGrain<IInboundPoliciesGrain>(MeshNames.InboundPartition(ns, "books-1"));
        Assert.True((await inbound.GetAsync("books-1")).Value.Exists);

        using var admin = silo.AuthorizedAdmin();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/resources/workload/{ns}/books-1")).StatusCode);
        Assert.False((await inbound.GetAsync("books-1")).Value.Exists);
        Assert.Empty((await silo.Grains.GetGrain<IEndpointSetGrain>(MeshNames.Key(ns, "books")).GetAsync()).Value.Endpoints);
    }

    [Fact]
    public async Task Delete_AfterCatalogReactivated_StillClearsDerivedViews()
    {
        var ns = NewNamespace();
        await ApplyAsync(Docs(Books, Workload("books-1", "127.0.0.11")), ns);
        var service = silo.Grains.GetGrain<IServiceGrain>(MeshNames.Key(ns, "books-v2"));
        Assert.NotNull((await service.GetAsync()).Value);

        // Deactivate everything idle: the catalog comes back without its in-memory derivation.
        await silo.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        using var admin = silo.AuthorizedAdmin();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/resources/svc/{ns}/books-v2")).StatusCode);
        Assert.Null((await service.GetAsync()).Value);
        Assert.NotNull((await silo.Grains.GetGrain<IServiceGrain>(MeshNames.Key(ns, "books")).GetAsync()).Value);
    }
}
