using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.KubeApi;

/// <summary>The fake API server driven by Debian's python3-kubernetes (KubeApi/python/kube_client_check.py as a child
/// process, CA-verified TLS): paging, watch with bookmarks, the 410 the client raises, create/patch/conflict.
/// /usr/bin/python3 on purpose: the Debian package installs for the system interpreter, not a PATH-first pyenv one.</summary>
public sealed class PythonKubernetesTests : IAsyncLifetime
{
    private const string Python = "/usr/bin/python3";
    private FakeKubeApi _api = null!;
    private string _ca = "";

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { BookmarkInterval = TimeSpan.FromMilliseconds(200) });
        _ca = Path.Combine(Path.GetTempPath(), $"mesh-kube-ca-{Guid.NewGuid():N}.pem");
        await File.WriteAllTextAsync(_ca, _api.CaPem);
    }

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        File.Delete(_ca);
    }

    private async Task<JsonNode> RunAsync(params string[] args)
    {
        if (!File.Exists(Python)) Assert.Fail($"{Python} is missing: run scripts/setup.sh (installs python3-kubernetes)");
        var script = Path.Combine(AppContext.BaseDirectory, "KubeApi", "python", "kube_client_check.py");
        var r = await ChildProcess.RunAsync(Python, [script, _api.Url, _api.Token, _ca, .. args], timeout: TimeSpan.FromSeconds(40));
        if (r.Stderr.Contains("No module named 'kubernetes'"))
            Assert.Fail("python3-kubernetes is not installed for /usr/bin/python3: run scripts/setup.sh (apt package python3-kubernetes)");
        Assert.True(r.ExitCode == 0, $"kube_client_check.py {string.Join(' ', args)}: {r}");
        return JsonNode.Parse(r.Stdout.Trim().Split('\n')[^1])!;
    }

    private Task Seed(string name) => _api.Resources.CreateAsync(_api.Kind("v1", "configmaps"), "default",
        new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["v"] = "1" } });

    [Fact]
    public async Task ListNamespacedConfigMap_Paged_ReturnsEveryItemOnce()
    {
        foreach (var i in Enumerable.Range(0, 5)) await Seed($"cm-{i}");
        var result = await RunAsync("list", "default", "2");
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"cm-{i}"), result["names"]!.AsArray().Select(n => (string)n!));
        Assert.Equal(3, (int)result["pages"]!);
    }

    [Fact]
    public async Task WatchStream_WithBookmarks_SeesEventsThenABookmark()
    {
        await Seed("a");
        var rv = _api.ResourceVersion;
        await Seed("b");
        var result = await RunAsync("watch", "default", rv.ToString(), "20");
        var events = result["events"]!.AsArray();
        Assert.Equal("ADDED", (string?)events[0]!["type"]);
        Assert.Equal("b", (string?)events[0]!["name"]);
        Assert.Equal("BOOKMARK", (string?)events[^1]!["type"]);
        Assert.Equal(_api.ResourceVersion.ToString(), (string?)events[^1]!["resourceVersion"]);
    }

    [Fact]
    public async Task WatchStream_FromACompactedVersion_RaisesApiException410()
    {
        await Seed("a");
        var old = _api.ResourceVersion;
        await Seed("b");
        _api.Compact();
        var result = await RunAsync("gone", "default", old.ToString());
        Assert.Equal(410, (int?)result["status"]);
        Assert.StartsWith("Expired: too old resource version", (string?)result["reason"]);
    }

    [Fact]
    public async Task CreatePatchReplace_StrategicMergeAndStaleReplace_ServerSemantics()
    {
        var result = await RunAsync("write", "default", "py");
        Assert.Equal("1", (string?)result["data"]!["a"]);
        Assert.Equal("2", (string?)result["data"]!["b"]);
        Assert.Equal("x", (string?)result["labels"]!["tier"]);
        Assert.Equal("py", (string?)result["labels"]!["app"]);
        Assert.True(long.Parse((string)result["patchedRv"]!) > long.Parse((string)result["createdRv"]!));
        Assert.Equal(409, (int?)result["conflict"]!["status"]);
        Assert.Equal("Conflict", (string?)result["conflict"]!["reason"]);
        Assert.Equal(409, (int?)result["exists"]!["status"]);
        Assert.Equal("AlreadyExists", (string?)result["exists"]!["reason"]);
        Assert.Contains(_api.Requests, r => r.StartsWith("PATCH /api/v1/namespaces/default/configmaps/py") && r.Contains("strategic-merge-patch+json"));
    }
}
