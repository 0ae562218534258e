using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Names;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>End to end: `kubectl apply` of a pod (as a Deployment's ReplicaSet would create it) to the fake API server,
/// whose admission chain calls the real silo's injector webhook over TLS; what is stored is what the webhook decided.
/// The annotation matrix on the wire (namespace inheritance, pod wins, disabled, kube-system, hostNetwork, invalid
/// values admitted un-injected with a warning), and the webhook's answers to AdmissionReview garbage.</summary>
[Trait("Category", "E2E")]
public sealed class WebhookInjectionTests(InjectorCluster cluster) : IClassFixture<InjectorCluster>
{
    private static string Pod(string name, string ns, string annotations = "{}", string spec = "") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          namespace: {{ns}}
          labels: {app: {{name}}, pod-template-hash: 7d9f}
          annotations: {{annotations}}
        spec:
          serviceAccountName: {{name}}
          {{spec}}
          containers:
          - name: app
            image: app:1
            ports: [{containerPort: 8080}]
        """;

    private async Task Namespace(Kubectl kubectl, string name, string annotations) =>
        await kubectl.ApplyAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  annotations: {annotations}\n");

    private JsonObject Stored(string ns, string name) =>
        cluster.Api.Resources.Get(cluster.Api.Kind("v1", "pods"), ns, name).Value ?? throw new InvalidOperationException($"pod {ns}/{name} was not stored");

    private static List<string?> InitNames(JsonObject pod) =>
        (pod["spec"]!["initContainers"] as JsonArray)?.Select(c => (string?)c!["name"]).ToList() ?? [];

    private Mesh.Testing.KubeApi.Admission.WebhookCall LastCall(string ns, string name) =>
        cluster.Api.Webhooks.Calls.Last(c => c.Namespace == ns && c.Name == name);

    [Fact]
    public async Task KubectlApply_PodInAnnotatedNamespace_StoredWithTheProxyAndTheNamespacesOverrides()
    {
        using var kubectl = new Kubectl(cluster.Api);
        await Namespace(kubectl, "shop", "{mesh.io/inject: enabled, config.mesh.io/proxy-log-level: debug}");

        await kubectl.ApplyAsync(Pod("books-7d9f-abcde", "shop"));

        var pod = Stored("shop", "books-7d9f-abcde");
        Assert.Equal([KubernetesObjects.InitContainer, KubernetesObjects.ProxyContainer], InitNames(pod));
        var proxy = pod["spec"]!["initContainers"]![1]!;
        Assert.Equal("Always", (string?)proxy["restartPolicy"]);
        Assert.Equal("ghcr.io/mesh/mesh-proxy:0.1.0", (string?)proxy["image"]);
        var env = proxy["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);
        Assert.Equal("debug", env["MESH_PROXY_LOG_LEVEL"]);
        Assert.Equal("https://mesh-control.mesh.svc.cluster.local:8086", env["MESH_CONTROL_ADDR"]);
        Assert.Equal("0.1.0", (string?)pod["metadata"]!["labels"]![KubernetesObjects.ProxyVersionLabel]);
        Assert.Equal("0.1.0", (string?)pod["metadata"]!["annotations"]![KubernetesObjects.ProxyVersionAnnotation]);
        var token = pod["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "mesh-identity-token")!;
        Assert.Equal(KubernetesObjects.TokenAudience, (string?)token["projected"]!["sources"]![0]!["serviceAccountToken"]!["audience"]);
        // kubectl's own fields survived the patch, and the app container is untouched.
        Assert.Equal("app:1", (string?)pod["spec"]!["containers"]![0]!["image"]);
        Assert.NotNull(pod["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
        Assert.Equal("patched", LastCall("shop", "books-7d9f-abcde").Outcome);
    }

    [Theory]
    [InlineData("legacy", "{mesh.io/inject: disabled}", "{}", "", "namespace disabled")]
    [InlineData("shop2", "{mesh.io/inject: enabled}", "{mesh.io/inject: disabled}", "", "pod disabled wins")]
    [InlineData("shop3", "{mesh.io/inject: enabled}", "{}", "hostNetwork: true", "hostNetwork")]
    [InlineData("kube-system", "{mesh.io/inject: enabled}", "{}", "", "kube-system")]
    [InlineData("plain", "{}", "{}", "", "not annotated")]
    public async Task KubectlApply_PodThatMustNotBeInjected_StoredUnchanged(string ns, string nsAnnotations, string podAnnotations, string spec, string why)
    {
        using var kubectl = new Kubectl(cluster.Api);
        await Namespace(kubectl, ns, nsAnnotations);
        var name = "p-" + why.Replace(' ', '-').ToLowerInvariant();

        await kubectl.ApplyAsync(Pod(name, ns, podAnnotations, spec));

        var pod = Stored(ns, name);
        Assert.Empty(InitNames(pod));
        Assert.Null(pod["metadata"]!["labels"]![KubernetesObjects.ProxyVersionLabel]);
        Assert.Equal("allowed", LastCall(ns, name).Outcome);
    }

    [Fact]
    public async Task KubectlApply_PodAnnotatedInNotAnnotatedNamespace_Injected()
    {
        using var kubectl = new Kubectl(cluster.Api);
        await Namespace(kubectl, "optin", "{}");

        await kubectl.ApplyAsync(Pod("opted", "optin", "{mesh.io/inject: enabled, config.mesh.io/proxy-native-sidecar: \"false\"}"));

        var pod = Stored("optin", "opted");
        Assert.Equal([KubernetesObjects.InitContainer], InitNames(pod));
        Assert.Equal(KubernetesObjects.ProxyContainer, (string?)pod["spec"]!["containers"]![0]!["name"]);
    }

    [Fact]
    public async Task KubectlApply_InvalidAnnotation_AdmittedWithoutTheProxyAndAWarningNamingIt()
    {
        using var kubectl = new Kubectl(cluster.Api);
        await Namespace(kubectl, "typo", "{mesh.io/inject: enabeld}");

        await kubectl.ApplyAsync(Pod("web", "typo"));

        Assert.Empty(InitNames(Stored("typo", "web")));
        var call = LastCall("typo", "web");
        Assert.Equal("allowed", call.Outcome);
        Assert.Contains(call.Warnings, w => w.Contains("namespace \"typo\": metadata.annotations[\"mesh.io/inject\"]: 'enabeld' is not a mode", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Create_InjectedPodCreatedAgain_SecondCreateConflictsAndTheStoredPodKeepsOneProxy()
    {
        using var kubectl = new Kubectl(cluster.Api);
        await Namespace(kubectl, "twice", "{mesh.io/inject: enabled}");
        await kubectl.ApplyAsync(Pod("web", "twice"));
        var injected = Stored("twice", "web");

        // Re-admitting the injected pod (what a controller copying a live pod would send) adds nothing.
        var again = injected.DeepClone().AsObject();
        again["metadata"]!["name"] = "web-copy";
        again["metadata"]!.AsObject().Remove("resourceVersion");
        var created = await cluster.Api.Resources.CreateAsync(cluster.Api.Kind("v1", "pods"), "twice", again);

        Assert.True(created.Ok, created.Error?.Message);
        Assert.Equal(InitNames(injected), InitNames(Stored("twice", "web-copy")));
        Assert.Equal("allowed", LastCall("twice", "web-copy").Outcome);
    }

    private HttpClient WebhookClient()
    {
        var handler = new HttpClientHandler();
        handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
        {
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            roots.ImportFromPem(cluster.Certificates.CaPem);
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return cert is not null && chain.Build(cert);
        };
        return new HttpClient(handler) { BaseAddress = new Uri($"https://127.0.0.1:{cluster.Silo.Settings.Injector!.Address.Port}") };
    }

    private static StringContent Body(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));

    [Theory]
    [InlineData("not json at all", "not JSON")]
    [InlineData("""{"kind":"Pod"}""", "not an admission.k8s.io/v1 AdmissionReview")]
    [InlineData("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}""", "no request.uid")]
    [InlineData("""[1,2,3]""", "not an admission.k8s.io/v1 AdmissionReview")]
    public async Task Post_Garbage_400WithTheReason(string body, string expected)
    {
        using var http = WebhookClient();

        using var r = await http.PostAsync(KubernetesObjects.InjectorPath, Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains(expected, await r.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("""{"uid":"u1","kind":{"group":"","version":"v1","kind":"ConfigMap"},"operation":"CREATE","namespace":"shop","object":{}}""", "")]
    [InlineData("""{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"UPDATE","namespace":"shop","object":{}}""", "")]
    [InlineData("""{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"shop","object":"a string"}""", "no pod object")]
    [InlineData("""{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"no-such-ns","object":{"metadata":{"name":"p"},"spec":{"containers":[{"name":"a"}]}}}""", "cannot read namespace no-such-ns: the Kubernetes API answered 404")]
    [InlineData("""{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"default","object":{"metadata":{"name":"p","annotations":{"mesh.io/inject":"enabled"}},"spec":{"containers":"nope"}}}""", "spec.containers: required")]
    public async Task Post_ReviewItCannotInject_AllowedWithoutPatchWithTheReason(string request, string warning)
    {
        using var http = WebhookClient();

        using var r = await http.PostAsync(KubernetesObjects.InjectorPath, Body($$"""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{request}}}"""));

        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var response = JsonNode.Parse(await r.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("u1", (string?)response["uid"]);
        Assert.True((bool)response["allowed"]!);
        Assert.Null(response["patch"]);
        if (warning.Length == 0) Assert.Null(response["warnings"]);
        else Assert.Contains(response["warnings"]!.AsArray(), w => ((string)w!).Contains(warning, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Post_OversizedBody_RefusedWithoutAnswering()
    {
        using var http = WebhookClient();
        // Expect: 100-continue, as the API server's client sends large bodies: the 413 comes before the body is sent,
        // instead of racing the server closing a connection the client is still writing to.
        http.DefaultRequestHeaders.ExpectContinue = true;

        using var r = await http.PostAsync(KubernetesObjects.InjectorPath, Body("\"" + new string('x', 5 * 1024 * 1024) + "\""));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
    }

    [Fact]
    public async Task Get_OtherPathsAndMethods_NotServed()
    {
        using var http = WebhookClient();

        using var get = await http.GetAsync(KubernetesObjects.InjectorPath);
        using var other = await http.PostAsync("/api/v1/apply", Body("{}"));

        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
    }
}
