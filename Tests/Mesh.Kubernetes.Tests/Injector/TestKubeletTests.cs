using System.Net;
using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Names;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>The injector's output, run: a pod created through the fake API server (so the admission chain calls the
/// real silo's webhook) is read back, and its `mesh-proxy` container is started by <see cref="TestKubelet"/> as the
/// real mesh-proxy binary with the stored args and env. It must come up ready through the probe the Pod spec names and
/// certified by the Kubernetes-mode silo (TokenReview against the fake) for the pod's service account; with a token
/// the kubelet should not have given it, it must stay unready and say why.</summary>
[Trait("Category", "E2E")]
public sealed class TestKubeletTests(InjectorCluster cluster) : IClassFixture<InjectorCluster>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly List<TestKubelet> _kubelets = [];

    private static string ProxyBinary()
    {
        if (Environment.GetEnvironmentVariable("MESH_PROXY_BIN") is { Length: > 0 } configured) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Path.Combine(dir.FullName, ".mesh-build", "proxy", "mesh-proxy") is var built && File.Exists(built)) return built;
        throw new InvalidOperationException("mesh-proxy not found: run ./mesh once (it builds .mesh-build/proxy) or set MESH_PROXY_BIN");
    }

    /// <summary>A pod as a Deployment's ReplicaSet creates it, in a namespace that asks for the proxy; the stored pod.</summary>
    private async Task<JsonObject> CreateInjectedPodAsync(string ns, string name, string serviceAccount)
    {
        using var kubectl = new Kubectl(cluster.Api);
        // The control plane's namespace, as `mesh install` leaves it: the silo's sync takes its Lease there and only
        // then publishes the trust bundle ConfigMap the pod mounts.
        await kubectl.ApplyAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {KubernetesObjects.Namespace}\n");
        await kubectl.ApplyAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  annotations: {{mesh.io/inject: enabled}}\n");
        await kubectl.ApplyAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
              namespace: {{ns}}
              labels: {app: books, pod-template-hash: 7d9f}
            spec:
              serviceAccountName: {{serviceAccount}}
              containers:
              - name: books
                image: books:1
                ports: [{containerPort: 8080}]
            """);
        var pod = cluster.Api.Resources.Get(cluster.Api.Kind("v1", "pods"), ns, name).Value ?? throw new InvalidOperationException($"pod {ns}/{name} was not stored");
        Assert.Equal("patched", cluster.Api.Webhooks.Calls.Last(c => c.Namespace == ns && c.Name == name).Outcome);
        return pod;
    }

    /// <summary>The ConfigMap the silo's sync publishes into every namespace, as the kubelet mounts it: a pod whose
    /// ConfigMap is missing does not start, so neither does the proxy here.</summary>
    private async Task<string> TrustBundleAsync(string ns)
    {
        var kind = cluster.Api.Kind("v1", "configmaps");
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until; await Task.Delay(100))
            if ((string?)cluster.Api.Resources.Get(kind, ns, KubernetesObjects.TrustBundleConfigMap).Value?["data"]?["ca-bundle.crt"] is { Length: > 0 } pem)
                return pem;
        throw new InvalidOperationException($"the silo published no ConfigMap {ns}/{KubernetesObjects.TrustBundleConfigMap}");
    }

    private async Task<TestKubelet> RunProxyAsync(JsonObject pod, Func<string, string, string, string> mintToken)
    {
        var ns = (string)pod["metadata"]!["namespace"]!;
        var bundle = await TrustBundleAsync(ns);
        var dir = Directory.CreateDirectory(Path.Combine(cluster.Dir, "pod-" + (string)pod["metadata"]!["name"]!)).FullName;
        var kubelet = new TestKubelet(ProxyBinary(), pod, KubernetesObjects.ProxyContainer, cluster.Silo.Settings.ControlUrl, dir, mintToken,
            (_, name, key) => name == KubernetesObjects.TrustBundleConfigMap && key == "ca-bundle.crt" ? bundle : throw new InvalidOperationException($"no ConfigMap {name} key {key}"));
        _kubelets.Add(kubelet);
        return kubelet;
    }

    /// <summary>GET of a probe's httpGet on the host port its container port maps to: (status, body).</summary>
    private async Task<(HttpStatusCode Status, string Body)> ProbeAsync(TestKubelet kubelet, string probe)
    {
        var get = kubelet.Container[probe]!["httpGet"]!;
        var port = await kubelet.HostPort((int)get["port"]!, Deadline);
        try
        {
            using var r = await _http.GetAsync($"http://127.0.0.1:{port}{(string)get["path"]!}");
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e) { return (0, e.Message); }
    }

    private async Task<(HttpStatusCode Status, string Body)> ProbeUntilAsync(TestKubelet kubelet, string probe, Func<HttpStatusCode, string, bool> done)
    {
        var last = ((HttpStatusCode)0, "");
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until && !kubelet.HasExited; await Task.Delay(200))
            if ((last = await ProbeAsync(kubelet, probe)) is var (status, body) && done(status, body))
                return last;
        throw new InvalidOperationException($"{probe} never satisfied the test; last answer {(int)last.Item1} {last.Item2}\nproxy output:\n{kubelet.Output}");
    }

    /// <summary>The silo's row (GET /api/v1/proxies, what `mesh check` reads) for the pod's proxy once it reports a certificate.</summary>
    private async Task<JsonNode> CertifiedRowAsync(string ns, string workload, TestKubelet kubelet)
    {
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until; await Task.Delay(200))
        {
            var rows = JsonNode.Parse(await _http.GetStringAsync(new Uri(cluster.Silo.AdminUri, "api/v1/proxies")))!.AsArray();
            if (rows.FirstOrDefault(r => (string?)r!["namespace"] == ns && (string?)r["workload"] == workload && (long?)r["certRemainingSeconds"] > 0) is { } row)
                return row;
        }
        throw new InvalidOperationException($"the silo lists no certified proxy {ns}/{workload}; proxy output:\n{kubelet.Output}");
    }

    [Fact]
    public async Task Run_InjectedProxyContainer_ReadyThroughItsProbesAndCertifiedForThePodsServiceAccount()
    {
        var pod = await CreateInjectedPodAsync("kubelet-ok", "books-7d9f-abcde", "books");

        var kubelet = await RunProxyAsync(pod, (ns, sa, audience) => cluster.Api.Tokens.MintServiceAccount(ns, sa, [audience]));

        var startup = await ProbeUntilAsync(kubelet, "startupProbe", (status, _) => status == HttpStatusCode.OK);
        Assert.Equal("ready\n", startup.Body);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(kubelet, "readinessProbe")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(kubelet, "livenessProbe")).Status);
        var row = await CertifiedRowAsync("kubelet-ok", "books-7d9f-abcde", kubelet);
        Assert.Equal("spiffe://cluster.local/ns/kubelet-ok/sa/books", (string?)row["identity"]);
        Assert.True((bool)row["discoveryConnected"]!);
        Assert.Empty(row["problems"]!.AsArray());
        Assert.Contains(cluster.Api.Requests, r => r.StartsWith("POST /apis/authentication.k8s.io/v1/tokenreviews", StringComparison.Ordinal));
        // Only the substitution table changed what the Pod spec says.
        Assert.Equal(["sidecar"], kubelet.Args);
        Assert.Equal("books", kubelet.Env["MESH_PROXY_SERVICE_ACCOUNT"]);
        Assert.Equal("books-7d9f-abcde", kubelet.Env["MESH_PROXY_WORKLOAD"]);
        Assert.StartsWith(cluster.Dir, kubelet.Env["MESH_PROXY_TOKEN_FILE"], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kubelet-aud", "default audience", "want identity.mesh.io")]
    [InlineData("kubelet-sa", "another service account", "PermissionDenied")]
    public async Task Run_ProxyGivenTheWrongToken_StaysUnreadyAndSaysWhy(string ns, string wrong, string why)
    {
        var pod = await CreateInjectedPodAsync(ns, "books-7d9f-fghij", "books");

        var kubelet = await RunProxyAsync(pod, (n, sa, audience) => wrong == "default audience"
            ? cluster.Api.Tokens.MintServiceAccount(n, sa) // the pod's API-server token, not the projected one
            : cluster.Api.Tokens.MintServiceAccount(n, "admin", [audience]));

        var refused = await ProbeUntilAsync(kubelet, "readinessProbe", (_, body) => body.Contains(why, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Contains($"identity: Certify for spiffe://cluster.local/ns/{ns}/sa/books failed", refused.Body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ProbeAsync(kubelet, "startupProbe")).Status);
        Assert.False(kubelet.HasExited, kubelet.Output);
    }

    public void Dispose()
    {
        foreach (var k in _kubelets) k.Dispose();
        _http.Dispose();
    }
}
