using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;
using Mesh.Injection;
using Mesh.Names;
using YamlDotNet.Serialization;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh inject`: parse+invoke, no silo. The golden (testdata/inject/expected.yaml) is every kind in one
/// multi-document file; MESH_UPDATE_GOLDENS=1 rewrites it.</summary>
public sealed class InjectCommandTests : IDisposable
{
    private readonly TestCli _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Input => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "testdata", "inject", "input.yaml"));

    [Fact]
    public async Task Inject_MultiDocumentFile_MatchesGoldenAndReportsEachWorkload()
    {
        var path = _cli.WriteFile("in.yaml", Input);

        var result = await _cli.RunAsync("inject", "-f", path, "--proxy-version", "0.1.0");

        Assert.True(result.ExitCode == 0, result.ToString());
        var golden = Path.Combine(AppContext.BaseDirectory, "testdata", "inject", "expected.yaml");
        if (Environment.GetEnvironmentVariable("MESH_UPDATE_GOLDENS") == "1")
            File.WriteAllText(Path.Combine(SourceDir(), "..", "testdata", "inject", "expected.yaml"), result.Out);
        Assert.Equal(File.ReadAllText(golden), result.Out);
        Assert.Contains("Deployment shop/books injected", result.Err);
        Assert.Contains("StatefulSet default/ledger injected", result.Err);
        Assert.Contains("ReplicaSet default/legacy skipped: mesh.io/inject: disabled", result.Err);
        Assert.Contains("CronJob default/nightly injected", result.Err);
    }

    [Fact]
    public async Task Inject_Output_ParsesBackAndInjectsOnlyThePodTemplates()
    {
        _cli.Stdin = Input;

        var result = await _cli.RunAsync("inject", "-f", "-", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var list = JsonNode.Parse(result.Out)!;
        Assert.Equal("List", (string?)list["kind"]);
        var items = list["items"]!.AsArray();
        Assert.Equal(5, items.Count);
        var deployment = items[1]!;
        var inits = deployment["spec"]!["template"]!["spec"]!["initContainers"]!.AsArray().Select(c => (string?)c!["name"]).ToList();
        Assert.Equal([KubernetesObjects.InitContainer, KubernetesObjects.ProxyContainer], inits);
        // The Namespace in the same input lends its annotations: the proxy logs at debug.
        var env = deployment["spec"]!["template"]!["spec"]!["initContainers"]![1]!["env"]!.AsArray();
        Assert.Contains(env, e => (string?)e!["name"] == "MESH_PROXY_LOG_LEVEL" && (string?)e["value"] == "debug");
        // Pass-through objects are unchanged.
        var service = items[2]!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"apiVersion":"v1","kind":"Service","metadata":{"name":"books","namespace":"shop"},"spec":{"selector":{"app":"books"},"ports":[{"port":8080,"targetPort":8080}]}}"""), service));
        var nested = items[3]!["items"]!.AsArray();
        Assert.NotNull(nested[0]!["spec"]!["template"]!["spec"]!["initContainers"]);
        Assert.Null(nested[1]!["spec"]!["template"]!["spec"]!["initContainers"]);
        Assert.NotNull(items[4]!["spec"]!["jobTemplate"]!["spec"]!["template"]!["spec"]!["initContainers"]);
    }

    [Fact]
    public async Task Inject_ItsOwnOutput_ChangesNothing()
    {
        _cli.Stdin = Input;
        var once = await _cli.RunAsync("inject", "-f", "-");
        _cli.Stdin = once.Out;

        var twice = await _cli.RunAsync("inject", "-f", "-");

        Assert.True(twice.ExitCode == 0, twice.ToString());
        Assert.Equal(once.Out, twice.Out);
        Assert.Contains("skipped: the proxy is already injected", twice.Err);
    }

    [Fact]
    public async Task Inject_YamlOutput_IsTheSameObjectsAsJson()
    {
        _cli.Stdin = Input;
        var yaml = await _cli.RunAsync("inject", "-f", "-");
        _cli.Stdin = Input;
        var json = await _cli.RunAsync("inject", "-f", "-", "-o", "json");

        var fromYaml = new JsonArray([.. ManifestText.Read(yaml.Out).Select(d => d.Document.DeepClone())]);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(json.Out)!["items"], fromYaml));
        // The YAML is plain YAML any reader takes.
        var documents = yaml.Out.Split("---\n");
        Assert.Equal(5, documents.Length);
        foreach (var doc in documents) Assert.IsType<Dictionary<object, object>>(new DeserializerBuilder().Build().Deserialize<object>(doc));
    }

    [Fact]
    public async Task Inject_InvalidObjects_FailWithDocumentAndFieldPathAndPrintNothing()
    {
        _cli.Stdin = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: fine}
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                metadata:
                  annotations: {mesh.io/inject: "on", config.mesh.io/proxy-admin-port: "99999"}
                spec:
                  containers: [{name: web, image: "web:1"}]
            ---
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: p}
              spec: {containers: []}
            """;

        var result = await _cli.RunAsync("inject", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("error: document 2: spec.template.metadata.annotations[\"mesh.io/inject\"]: 'on' is not a mode: use enabled, disabled or ingress", result.Err);
        Assert.Contains("error: document 3: items[0].spec.containers: required: at least one container", result.Err);
        Assert.Contains("nothing was printed", result.Err);
    }

    [Fact]
    public async Task Inject_BadOverrideOnInjectablePod_NamesTheAnnotation()
    {
        _cli.Stdin = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p, annotations: {config.mesh.io/proxy-admin-port: "99999"}}
            spec: {containers: [{name: a, image: "a:1"}]}
            """;

        var result = await _cli.RunAsync("inject", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error: document 1: metadata.annotations[\"config.mesh.io/proxy-admin-port\"]: '99999' is not a port (1-65535)", result.Err);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p\n", "document 1: line")]
    [InlineData("- just\n- a list\n", "document 1: (document): not an object")]
    [InlineData("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nmetadata: {name: q}\n", "duplicate key \"metadata\"")]
    public async Task Inject_UnreadableInput_IsAUserErrorWithThePosition(string text, string expected)
    {
        _cli.Stdin = text;

        var result = await _cli.RunAsync("inject", "-f", "-");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(expected, result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task Inject_ObjectsOfNoKnownKind_PassThroughEvenWithOddTypes()
    {
        _cli.Stdin = "kind: 5\nmetadata: [1]\n---\napiVersion: v1\nkind: List\nitems: {a: 1}\n---\nkind: {nested: true}\n";

        var result = await _cli.RunAsync("inject", "-f", "-", "-o", "json");

        Assert.True(result.ExitCode == 0, result.ToString());
        var items = JsonNode.Parse(result.Out)!["items"]!.AsArray();
        Assert.Equal(5, (int)items[0]!["kind"]!);
        Assert.Equal(1, (int)items[1]!["items"]!["a"]!);
    }

    [Fact]
    public async Task Inject_KubeSystemAndHostNetwork_PassThroughWithTheReason()
    {
        _cli.Stdin = """
            apiVersion: v1
            kind: Pod
            metadata: {name: dns, namespace: kube-system}
            spec: {containers: [{name: a, image: "a:1"}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: node}
            spec: {hostNetwork: true, containers: [{name: a, image: "a:1"}]}
            """;

        var result = await _cli.RunAsync("inject", "-f", "-", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.All(JsonNode.Parse(result.Out)!["items"]!.AsArray(), p => Assert.Null(p!["spec"]!["initContainers"]));
        Assert.Contains("Pod kube-system/dns skipped: pods in kube-system are never injected", result.Err);
        Assert.Contains("Pod default/node skipped: hostNetwork pod", result.Err);
    }

    [Fact]
    public async Task Inject_BadProxyVersion_IsAUserError()
    {
        _cli.Stdin = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: \"a:1\"}]}\n";

        var result = await _cli.RunAsync("inject", "-f", "-", "--proxy-version", "1.0 beta");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("proxy version '1.0 beta'", result.Err);
    }

    /// <summary>The proxy's MESH_PROXY_TRUST_DOMAIN in `mesh inject`'s output for one Pod (null: not set, the default).</summary>
    private async Task<string?> InjectedTrustDomainAsync(params string[] extra)
    {
        _cli.Stdin = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec: {containers: [{name: a, image: \"a:1\"}]}\n";
        var result = await _cli.RunAsync(["inject", "-f", "-", "-o", "json", .. extra]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var proxy = JsonNode.Parse(result.Out)!["spec"]!["initContainers"]!.AsArray().Single(c => (string?)c!["name"] == KubernetesObjects.ProxyContainer)!;
        return (string?)proxy["env"]!.AsArray().SingleOrDefault(e => (string?)e!["name"] == "MESH_PROXY_TRUST_DOMAIN")?["value"];
    }

    [Fact]
    public async Task Inject_TrustDomain_FromTheFlagElseMeshTrustDomainElseTheDefault()
    {
        Assert.Null(await InjectedTrustDomainAsync()); // cluster.local: the proxy's own default, not written
        Assert.Equal("west.mesh", await InjectedTrustDomainAsync("--trust-domain", "west.mesh"));
        _cli.Environment["MESH_TRUST_DOMAIN"] = "east.mesh";
        Assert.Equal("east.mesh", await InjectedTrustDomainAsync());
        Assert.Equal("west.mesh", await InjectedTrustDomainAsync("--trust-domain", "west.mesh"));
    }

    [Theory]
    [InlineData("--trust-domain", "West.Mesh")]
    [InlineData("MESH_TRUST_DOMAIN", "a/b")]
    public async Task Inject_BadTrustDomain_IsAUserErrorNamingWhereItCameFromAndPrintsNothing(string source, string value)
    {
        _cli.Stdin = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: \"a:1\"}]}\n";
        if (source == "MESH_TRUST_DOMAIN") _cli.Environment[source] = value;

        var result = source == "MESH_TRUST_DOMAIN" ? await _cli.RunAsync("inject", "-f", "-") : await _cli.RunAsync("inject", "-f", "-", source, value);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{source} '{value}' is not a trust domain", result.Err);
        Assert.Equal("", result.Out);
    }

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string self = "") => Path.GetDirectoryName(self)!;
}
