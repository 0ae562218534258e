using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.KubeApi.Http;

/// <summary>Both discovery flavours: the aggregated v2 document kubectl 1.32 asks for first, and the legacy documents
/// clients fall back to (and read per group/version), built from the same kind registry.</summary>
public sealed class DiscoveryTests : IAsyncLifetime
{
    private FakeKubeApi _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _http = _api.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private async Task<(string ContentType, JsonNode Body)> Get(string path, string? accept = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var r = await _http.SendAsync(request);
        r.EnsureSuccessStatusCode();
        return (r.Content.Headers.ContentType!.ToString(), JsonNode.Parse(await r.Content.ReadAsStringAsync())!);
    }

    [Fact]
    public async Task Apis_AggregatedAccept_ListsEveryGroupVersionAndResource()
    {
        var (type, body) = await Get("/apis", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json");
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", type.Replace(" ", ""));
        Assert.Equal("APIGroupDiscoveryList", (string?)body["kind"]);
        var apps = body["items"]!.AsArray().Single(g => (string?)g!["metadata"]!["name"] == "apps")!;
        var sts = apps["versions"]![0]!["resources"]!.AsArray().Single(r => (string?)r!["resource"] == "statefulsets")!;
        Assert.Equal("Namespaced", (string?)sts["scope"]);
        Assert.Equal("status", (string?)sts["subresources"]![0]!["subresource"]);
        var (_, core) = await Get("/api", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        Assert.Equal("", (string?)Assert.Single(core["items"]!.AsArray())!["metadata"]!["name"]);
    }

    [Fact]
    public async Task LegacyDocuments_DescribeGroupsVersionsAndResources()
    {
        var (_, api) = await Get("/api");
        Assert.Equal("APIVersions", (string?)api["kind"]);
        var (_, v1) = await Get("/api/v1");
        var names = v1["resources"]!.AsArray().Select(r => (string)r!["name"]!).ToList();
        Assert.Contains("pods", names);
        Assert.Contains("pods/status", names);
        Assert.DoesNotContain("configmaps/status", names);
        var (_, groups) = await Get("/apis");
        Assert.Contains(groups["groups"]!.AsArray(), g => (string?)g!["preferredVersion"]!["groupVersion"] == "coordination.k8s.io/v1");
        var (_, group) = await Get("/apis/discovery.k8s.io");
        Assert.Equal("APIGroup", (string?)group["kind"]);
        var (_, leases) = await Get("/apis/coordination.k8s.io/v1");
        Assert.Equal("Lease", (string?)leases["resources"]![0]!["kind"]);
        var (_, version) = await Get("/version");
        Assert.Equal("32", (string?)version["minor"]);
    }
}
