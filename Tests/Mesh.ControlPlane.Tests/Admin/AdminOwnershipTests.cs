using System.Net;
using System.Text.Json;
using Mesh.Abstractions.Grains;
using Mesh.ControlPlane.Tests.Support;
using static Mesh.ControlPlane.Tests.Catalog.CatalogResources;

namespace Mesh.ControlPlane.Tests.Admin;

/// <summary>Admin-API writes to resources another source (the Kubernetes sync, a link) owns: 409 naming the owner and
/// where to change it, and nothing written in any namespace of the apply.</summary>
[Collection(SiloCollection.Name)]
public sealed class AdminOwnershipTests(SiloFixture silo)
{
    private static string NewNamespace() => "own-" + Guid.NewGuid().ToString("N")[..8];

    private static string ServiceYaml(string ns, string name, int port) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: {{ns}}}
        spec:
          selector: {app: {{name}}}
          ports: [{name: http, port: {{port}}, targetPort: 7001}]
        """;

    private static async Task<JsonElement> ProblemAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Theory]
    [InlineData("kubernetes", "managed by Kubernetes: use kubectl")]
    [InlineData("link/west", "mirrored from cluster west")]
    [InlineData("link/west", "dry run")]
    public async Task Apply_OverAnotherSourcesService_409AndNothingWrittenInAnyNamespace(string owner, string expected)
    {
        var (first, second) = (NewNamespace(), NewNamespace());
        Assert.True((await silo.Grains.GetGrain<ICatalogGrain>(second).WriteAsync(Batch(owner, 1, [Service(second, "books")]))).Ok);
        var dryRun = expected == "dry run";

        using var admin = silo.AuthorizedAdmin();
        // The first namespace's documents are fine; the second's Service belongs to the owner.
        var yaml = string.Join("\n---\n", ServiceYaml(first, "authors", 8080), ServiceYaml(second, "new-one", 8080), ServiceYaml(second, "books", 9090));
        var problem = await ProblemAsync(await admin.PostAsync($"/api/v1/apply{(dryRun ? "?dryRun=true" : "")}", new StringContent(yaml)));

        Assert.Equal("owned by another source", problem.GetProperty("title").GetString());
        Assert.Equal(owner, problem.GetProperty("source").GetString());
        Assert.Contains($"service books.{second} is {(dryRun ? "mirrored from cluster west" : expected)}", problem.GetProperty("detail").GetString());
        Assert.Empty(await silo.Grains.GetGrain<ICatalogGrain>(first).ListAsync(null));
        var kept = Assert.Single(await silo.Grains.GetGrain<ICatalogGrain>(second).ListAsync(null));
        Assert.Equal((owner, 1L, Service(second, "books").Json), (kept.Source, kept.Generation, kept.Json));
    }

    [Fact]
    public async Task Delete_KubernetesOwnedService_409AndTheServiceStays()
    {
        var ns = NewNamespace();
        Assert.True((await silo.Grains.GetGrain<ICatalogGrain>(ns).WriteAsync(Batch(ResourceSources.Kubernetes, 1, [Service(ns, "books")]))).Ok);

        using var admin = silo.AuthorizedAdmin();
        var problem = await ProblemAsync(await admin.DeleteAsync($"/api/v1/resources/svc/{ns}/books"));

        Assert.Equal($"service books.{ns} is managed by Kubernetes: use kubectl (source kubernetes); nothing was written", problem.GetProperty("detail").GetString());
        Assert.Equal(HttpStatusCode.OK, (await silo.Admin.GetAsync($"/api/v1/resources/svc/{ns}/books")).StatusCode);
        // A resource of apply's own is still deleted as before.
        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsync($"/api/v1/apply", new StringContent(ServiceYaml(ns, "local", 8080)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/resources/svc/{ns}/local")).StatusCode);
    }
}
