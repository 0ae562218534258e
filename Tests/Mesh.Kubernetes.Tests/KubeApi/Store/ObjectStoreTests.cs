using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Resources;
using Mesh.Testing.KubeApi.Selectors;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.Tests.KubeApi.Store;

/// <summary>Store semantics the clients' tests do not reach: exact reads of an old version, selector transitions on a
/// watch, server-set metadata, generateName, and the namespace and CRD lifecycles.</summary>
public sealed class ObjectStoreTests : IAsyncLifetime
{
    private FakeKubeApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeKubeApi.StartAsync();

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static ListQuery Query(string query) => ListQuery.Parse(new QueryCollection(QueryHelpers(query))).Value!;

    private static Dictionary<string, Microsoft.Extensions.Primitives.StringValues> QueryHelpers(string query) =>
        query.Split('&', StringSplitOptions.RemoveEmptyEntries).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => new Microsoft.Extensions.Primitives.StringValues(Uri.UnescapeDataString(p[1])));

    private async Task<JsonObject> Create(string name, string app)
    {
        var r = await _api.Resources.CreateAsync(_api.Kind("v1", "configmaps"), "default",
            new JsonObject { ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app"] = app } } });
        Assert.True(r.Ok, r.Error?.Message);
        return r.Value!;
    }

    [Fact]
    public async Task List_ExactOldVersion_ShowsThePastUntilCompacted()
    {
        await Create("a", "x");
        var rv = _api.ResourceVersion;
        await Create("b", "x");
        await _api.Resources.DeleteAsync(_api.Kind("v1", "configmaps"), "default", "a", null);
        var kind = _api.Kind("v1", "configmaps");
        var past = _api.Resources.List(kind, "default", Query($"resourceVersion={rv}&resourceVersionMatch=Exact"));
        Assert.Equal(["a"], past.Value!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
        Assert.Equal(rv.ToString(), (string?)past.Value!["metadata"]!["resourceVersion"]);
        var now = _api.Resources.List(kind, "default", Query(""));
        Assert.Equal(["b"], now.Value!["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
        _api.Compact();
        var gone = _api.Resources.List(kind, "default", Query($"resourceVersion={rv}&resourceVersionMatch=Exact"));
        Assert.Equal(410, gone.Error!.Code);
        Assert.Equal("Expired", gone.Error.Reason);
    }

    [Fact]
    public async Task Watch_ObjectLeavingTheSelector_IsDeletedForThatWatcher()
    {
        await Create("a", "web");
        using var http = _api.CreateHttpClient();
        var rv = _api.ResourceVersion;
        using var response = await http.GetAsync($"/api/v1/namespaces/default/configmaps?watch=1&resourceVersion={rv}&labelSelector=app%3Dweb",
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        await _api.Resources.PatchAsync(_api.Kind("v1", "configmaps"), "default", "a", "application/merge-patch+json",
            JsonNode.Parse("""{"metadata":{"labels":{"app":"api"}}}"""), status: false);
        await Create("b", "web");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var first = JsonNode.Parse((await reader.ReadLineAsync(cts.Token))!)!;
        var second = JsonNode.Parse((await reader.ReadLineAsync(cts.Token))!)!;
        Assert.Equal(("DELETED", "a"), ((string)first["type"]!, (string)first["object"]!["metadata"]!["name"]!));
        Assert.Equal(("ADDED", "b"), ((string)second["type"]!, (string)second["object"]!["metadata"]!["name"]!));
    }

    [Fact]
    public async Task Create_SetsServerMetadata_AndGenerateNameMakesAName()
    {
        var r = await _api.Resources.CreateAsync(_api.Kind("v1", "configmaps"), "default",
            JsonNode.Parse("""{"metadata":{"generateName":"cm-","uid":"mine","resourceVersion":"5","creationTimestamp":"1999-01-01T00:00:00Z"}}"""));
        var meta = r.Value!["metadata"]!;
        Assert.Matches("^cm-[a-z0-9]{5}$", (string)meta["name"]!);
        Assert.NotEqual("mine", (string?)meta["uid"]);
        Assert.NotEqual("1999-01-01T00:00:00Z", (string?)meta["creationTimestamp"]);
        Assert.Equal(_api.ResourceVersion.ToString(), (string?)meta["resourceVersion"]);
        var invalid = await _api.Resources.CreateAsync(_api.Kind("v1", "configmaps"), "default", JsonNode.Parse("""{"metadata":{"name":"Bad_Name"}}"""));
        Assert.Equal(422, invalid.Error!.Code);
    }

    [Fact]
    public async Task CustomResourceDefinition_ServesItsKindUntilDeleted()
    {
        var crds = _api.Kind("apiextensions.k8s.io/v1", "customresourcedefinitions");
        var crd = await _api.Resources.CreateAsync(crds, null, JsonNode.Parse("""
            {"metadata":{"name":"widgets.example.com"},
             "spec":{"group":"example.com","scope":"Cluster","names":{"plural":"widgets","kind":"Widget"},
                     "versions":[{"name":"v1","served":true,"storage":true}]}}
            """));
        Assert.True(crd.Ok, crd.Error?.Message);
        Assert.Contains(crd.Value!["status"]!["conditions"]!.AsArray(), c => (string?)c!["type"] == "Established");
        var widgets = _api.Kind("example.com/v1", "widgets");
        Assert.False(widgets.Namespaced);
        Assert.True((await _api.Resources.CreateAsync(widgets, null, JsonNode.Parse("""{"metadata":{"name":"w"}}"""))).Ok);
        await _api.Resources.DeleteAsync(crds, null, "widgets.example.com", null);
        Assert.Throws<ArgumentException>(() => _api.Kind("example.com/v1", "widgets"));
        var bad = await _api.Resources.CreateAsync(crds, null, JsonNode.Parse("""{"metadata":{"name":"x.example.com"},"spec":{"group":"example.com","scope":"Cluster","names":{"plural":"widgets","kind":"Widget"},"versions":[]}}"""));
        Assert.Equal(422, bad.Error!.Code);
    }
}
