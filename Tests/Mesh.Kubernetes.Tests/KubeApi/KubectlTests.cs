using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.KubeApi;

/// <summary>The fake API server driven by the real kubectl 1.32: discovery, create/get/list, client-side apply (create,
/// unchanged, strategic merge patch), label/annotate (merge patch), selectors, paging, watch output, CRDs.</summary>
public sealed class KubectlTests : IAsyncLifetime
{
    private FakeKubeApi _api = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _kubectl = new Kubectl(_api);
    }

    public async Task DisposeAsync()
    {
        _kubectl.Dispose();
        await _api.DisposeAsync();
    }

    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels: {app: web}
        spec:
          containers:
          - name: app
            image: nginx:1
            ports: [{containerPort: 80}]
          - name: side
            image: busybox
        """;

    [Fact]
    public async Task CreateGetList_JsonOutput_ServerSetsMetadata()
    {
        Assert.Contains("configmap/books created", await CreateConfigMapAsync("books", "a: \"1\""));
        var got = JsonNode.Parse(await _kubectl.OkAsync("get", "configmap", "books", "-o", "json"))!;
        Assert.Equal("1", (string?)got["data"]!["a"]);
        Assert.Equal("default", (string?)got["metadata"]!["namespace"]);
        Assert.True(Guid.TryParse((string?)got["metadata"]!["uid"], out _));
        Assert.False(string.IsNullOrEmpty((string?)got["metadata"]!["resourceVersion"]));
        // kubectl 1.32 reads aggregated discovery: two documents, no per-group/version requests.
        Assert.Contains(_api.Requests, r => r.StartsWith("GET /apis?"));
        Assert.DoesNotContain(_api.Requests, r => r.StartsWith("GET /api/v1?") || r.StartsWith("GET /apis/coordination.k8s.io/v1?"));
        var list = JsonNode.Parse(await _kubectl.OkAsync("get", "configmaps", "-o", "json"))!;
        Assert.Equal(["books"], list["items"]!.AsArray().Select(i => (string)i!["metadata"]!["name"]!));
        var missing = await _kubectl.RunAsync("get", "configmap", "nope");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("Error from server (NotFound): configmaps \"nope\" not found", missing.Stderr);
        var again = await _kubectl.RunWithStdinAsync(ConfigMap("books", null), "create", "-f", "-");
        Assert.Contains("Error from server (AlreadyExists)", again.Stderr);
        Assert.Contains("configmaps \"books\" already exists", again.Stderr);
    }

    [Fact]
    public async Task Apply_Twice_SecondIsUnchangedAndAChangeIsAStrategicMergePatch()
    {
        Assert.Contains("pod/web created", await _kubectl.ApplyAsync(Pod));
        var before = _api.ResourceVersion;
        Assert.Contains("pod/web unchanged", await _kubectl.ApplyAsync(Pod));
        Assert.Equal(before, _api.ResourceVersion);

        Assert.Contains("pod/web configured", await _kubectl.ApplyAsync(Pod.Replace("nginx:1", "nginx:2")));
        Assert.Contains(_api.Requests, r => r.StartsWith("PATCH /api/v1/namespaces/default/pods/web") && r.Contains("strategic-merge-patch+json"));
        var pod = JsonNode.Parse(await _kubectl.OkAsync("get", "pod", "web", "-o", "json"))!;
        var containers = pod["spec"]!["containers"]!.AsArray();
        // Merged by name: the patch carried only the changed image, the ports and the second container survive in order.
        Assert.Equal(["app", "side"], containers.Select(c => (string)c!["name"]!));
        Assert.Equal("nginx:2", (string?)containers[0]!["image"]);
        Assert.Equal(80, (int)containers[0]!["ports"]![0]!["containerPort"]!);
        Assert.Equal(2, (int)pod["metadata"]!["generation"]!);

        // Dropping a container from the file deletes it from the object (the last-applied three-way diff).
        var oneContainer = Pod.Replace("nginx:1", "nginx:2").Replace("\n  - name: side\n    image: busybox", "");
        await _kubectl.ApplyAsync(oneContainer);
        pod = JsonNode.Parse(await _kubectl.OkAsync("get", "pod", "web", "-o", "json"))!;
        Assert.Equal(["app"], pod["spec"]!["containers"]!.AsArray().Select(c => (string)c!["name"]!));
    }

    [Fact]
    public async Task LabelAnnotate_MergePatchMetadata_SelectorsSeeThem()
    {
        await _kubectl.ApplyAsync(Pod);
        await _kubectl.ApplyAsync(Pod.Replace("name: web", "name: api").Replace("app: web", "app: api"));
        Assert.Contains("pod/web labeled", await _kubectl.OkAsync("label", "pod", "web", "tier=front"));
        Assert.Contains("pod/web annotated", await _kubectl.OkAsync("annotate", "pod", "web", "note=hello"));
        Assert.Contains(_api.Requests, r => r.StartsWith("PATCH /api/v1/namespaces/default/pods/web") && r.Contains("merge-patch+json"));
        var pod = JsonNode.Parse(await _kubectl.OkAsync("get", "pod", "web", "-o", "json"))!;
        Assert.Equal("hello", (string?)pod["metadata"]!["annotations"]!["note"]);
        Assert.Equal(1, (int)pod["metadata"]!["generation"]!);

        async Task<string[]> Names(string selector) =>
            (await _kubectl.OkAsync("get", "pods", "-l", selector, "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["pod/web"], await Names("tier=front"));
        Assert.Equal(["pod/web"], await Names("tier==front"));
        Assert.Equal(["pod/api"], await Names("tier!=front"));
        Assert.Equal(["pod/api", "pod/web"], await Names("app in (web,api)"));
        Assert.Equal(["pod/api"], await Names("app notin (web)"));
        Assert.Equal(["pod/web"], await Names("tier"));
        Assert.Equal(["pod/api"], await Names("!tier"));
        Assert.Equal(["pod/web"], (await _kubectl.OkAsync("get", "pods", "--field-selector", "metadata.name=web", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var bad = await _kubectl.RunAsync("get", "pods", "-l", "app in (web");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("unable to parse requirement", bad.Stderr);

        Assert.Contains("pod/web unlabeled", await _kubectl.OkAsync("label", "pod", "web", "tier-"));
        Assert.Equal(["pod/api", "pod/web"], await Names("!tier"));
    }

    [Fact]
    public async Task GetDefaultOutput_TheServerPrintsATable()
    {
        await _kubectl.ApplyAsync(Pod);
        var r = await _kubectl.RunAsync("get", "pods", "--show-labels", "-v=6");
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.DoesNotContain("Unable to decode server response into a Table", r.Stderr);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+AGE\s+LABELS$", lines[0]);
        Assert.Matches(@"^web\s+\d+s\s+app=web$", lines[1]);
        Assert.Matches(@"^default\s+pod/web\s+\d+s$", (await _kubectl.OkAsync("get", "pods", "-A", "-o", "wide", "--show-kind")).Split('\n')[1]);
    }

    [Fact]
    public async Task Delete_RemovesTheObject()
    {
        await _kubectl.ApplyAsync(Pod);
        Assert.Contains("pod \"web\" deleted", await _kubectl.OkAsync("delete", "pod", "web", "--wait=false"));
        Assert.Contains("No resources found", (await _kubectl.RunAsync("get", "pods")).Stderr);
        await _kubectl.ApplyAsync("apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n");
        await _kubectl.ApplyAsync(ConfigMap("c", null).Replace("name: c", "name: c\n  namespace: team"));
        await _kubectl.OkAsync("delete", "namespace", "team", "--wait=false");
        Assert.Contains("NotFound", (await _kubectl.RunAsync("get", "configmap", "c", "-n", "team")).Stderr);
    }

    [Fact]
    public async Task ChunkSize_ListsInPagesWithContinueTokens()
    {
        foreach (var i in Enumerable.Range(0, 5)) await CreateConfigMapAsync($"cm-{i}", null);
        var names = (await _kubectl.OkAsync("get", "configmaps", "--chunk-size=2", "-o", "name")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"configmap/cm-{i}"), names);
        var pages = _api.Requests.Where(r => r.StartsWith("GET /api/v1/namespaces/default/configmaps?")).ToList();
        Assert.Equal(3, pages.Count(r => r.Contains("limit=2")));
        Assert.Equal(2, pages.Count(r => r.Contains("continue=")));
    }

    [Fact]
    public async Task GetWatch_PrintsALinePerChange()
    {
        await CreateConfigMapAsync("first", null);
        using var watch = _kubectl.Start("get", "configmaps", "--watch", "-o", "custom-columns=NAME:.metadata.name,V:.data.v");
        var seen = new List<string>();
        await watch.WaitForLineAsync(l => l.StartsWith("first"), TimeSpan.FromSeconds(20), seen);
        // The list is printed; the watch is open once the fake counts it.
        await Until(() => _api.OpenWatches == 1);
        await CreateConfigMapAsync("second", "v: \"1\"");
        await watch.WaitForLineAsync(l => l.StartsWith("second") && l.EndsWith("1"), TimeSpan.FromSeconds(20), seen);
        await _kubectl.OkAsync("patch", "configmap", "second", "--type=merge", "-p", """{"data":{"v":"2"}}""");
        await watch.WaitForLineAsync(l => l.StartsWith("second") && l.EndsWith("2"), TimeSpan.FromSeconds(20), seen);
        Assert.Contains(_api.Requests, r => r.StartsWith("GET /api/v1/namespaces/default/configmaps?") && r.Contains("watch=true") && r.Contains("resourceVersion="));
    }

    [Fact]
    public async Task Crd_ThenItsCustomResource_IsServedAndAppliedWithMergePatch()
    {
        Assert.Contains("created", await _kubectl.ApplyAsync(ServerCrd));
        Assert.Contains("server.policy.mesh.io/web-http created", await _kubectl.ApplyAsync(ServerCr("8080")));
        Assert.Contains("unchanged", await _kubectl.ApplyAsync(ServerCr("8080")));
        Assert.Contains("configured", await _kubectl.ApplyAsync(ServerCr("8081")));
        Assert.Contains(_api.Requests, r => r.StartsWith("PATCH /apis/policy.mesh.io/v1beta1/namespaces/default/servers/web-http") && r.Contains("merge-patch+json"));
        var cr = JsonNode.Parse(await _kubectl.OkAsync("get", "srv", "web-http", "-o", "json"))!;
        Assert.Equal(8081, (int)cr["spec"]!["port"]!);
        Assert.Contains("servers", await _kubectl.OkAsync("api-resources", "--api-group=policy.mesh.io"));
        await _kubectl.OkAsync("delete", "crd", "servers.policy.mesh.io");
        Assert.NotEqual(0, (await _kubectl.RunAsync("get", "servers.policy.mesh.io", "web-http")).ExitCode);
    }

    [Fact]
    public async Task Apply_AnInstallManifest_CreatesEveryKindThenUnchangedThenPatchesTheTemplate()
    {
        var created = await _kubectl.ApplyAsync(InstallManifest("mesh:1"));
        foreach (var line in new[]
        {
            "namespace/mesh created", "serviceaccount/mesh-silo created", "clusterrole.rbac.authorization.k8s.io/mesh-silo created",
            "clusterrolebinding.rbac.authorization.k8s.io/mesh-silo created", "role.rbac.authorization.k8s.io/mesh-leases created",
            "rolebinding.rbac.authorization.k8s.io/mesh-leases created", "secret/mesh-issuer created", "service/mesh-silo created",
            "statefulset.apps/mesh-silo created", "poddisruptionbudget.policy/mesh-silo created",
            "mutatingwebhookconfiguration.admissionregistration.k8s.io/mesh-injector created",
        })
            Assert.Contains(line, created);
        var before = _api.ResourceVersion;
        var again = (await _kubectl.ApplyAsync(InstallManifest("mesh:1"))).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        // kubectl itself sends a patch for these two every time (write-only stringData; the PDB selector's
        // patchStrategy=replace), whatever the server holds; the fake stores nothing for them, as no-op updates go.
        Assert.Equal(["secret/mesh-issuer configured", "poddisruptionbudget.policy/mesh-silo configured"], again.Where(l => !l.EndsWith(" unchanged")));
        Assert.Equal(9, again.Count(l => l.EndsWith(" unchanged")));
        Assert.Equal(before, _api.ResourceVersion);
        Assert.Contains("statefulset.apps/mesh-silo configured", await _kubectl.ApplyAsync(InstallManifest("mesh:2")));
        var sts = JsonNode.Parse(await _kubectl.OkAsync("get", "sts", "mesh-silo", "-n", "mesh", "-o", "json"))!;
        var container = sts["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("mesh:2", (string?)container["image"]);
        Assert.Equal(["POD_NAME", "POD_NAMESPACE"], container["env"]!.AsArray().Select(e => (string)e!["name"]!));
        Assert.Equal(2, (int)sts["metadata"]!["generation"]!);
        var svc = JsonNode.Parse(await _kubectl.OkAsync("get", "svc", "mesh-silo", "-n", "mesh", "-o", "json"))!;
        Assert.StartsWith("10.96.", (string?)svc["spec"]!["clusterIP"]);
        var secret = JsonNode.Parse(await _kubectl.OkAsync("get", "secret", "mesh-issuer", "-n", "mesh", "-o", "json"))!;
        Assert.Equal(Convert.ToBase64String("pem"u8.ToArray()), (string?)secret["data"]!["tls.crt"]);
    }

    private static string InstallManifest(string image) => """
        apiVersion: v1
        kind: Namespace
        metadata: {name: mesh}
        ---
        apiVersion: v1
        kind: ServiceAccount
        metadata: {name: mesh-silo, namespace: mesh}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: mesh-silo}
        rules:
        - apiGroups: [""]
          resources: [pods, services, namespaces]
          verbs: [get, list, watch]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: mesh-silo}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: mesh-silo}
        subjects: [{kind: ServiceAccount, name: mesh-silo, namespace: mesh}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata: {name: mesh-leases, namespace: mesh}
        rules: [{apiGroups: [coordination.k8s.io], resources: [leases], verbs: [get, create, update]}]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: mesh-leases, namespace: mesh}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: mesh-leases}
        subjects: [{kind: ServiceAccount, name: mesh-silo, namespace: mesh}]
        ---
        apiVersion: v1
        kind: Secret
        metadata: {name: mesh-issuer, namespace: mesh}
        type: kubernetes.io/tls
        stringData: {tls.crt: pem, tls.key: key}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: mesh-silo, namespace: mesh}
        spec:
          selector: {app: mesh-silo}
          ports: [{name: grpc, port: 8090}]
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata: {name: mesh-silo, namespace: mesh}
        spec:
          serviceName: mesh-silo
          replicas: 3
          selector: {matchLabels: {app: mesh-silo}}
          template:
            metadata: {labels: {app: mesh-silo}}
            spec:
              serviceAccountName: mesh-silo
              containers:
              - name: silo
                image: IMAGE
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
                - {name: POD_NAMESPACE, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
        ---
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: mesh-silo, namespace: mesh}
        spec:
          minAvailable: 2
          selector: {matchLabels: {app: mesh-silo}}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: MutatingWebhookConfiguration
        metadata: {name: mesh-injector}
        webhooks:
        - name: inject.mesh.io
          admissionReviewVersions: [v1]
          sideEffects: None
          failurePolicy: Ignore
          clientConfig: {service: {name: mesh-silo, namespace: mesh, path: /inject}, caBundle: Y2E=}
          rules: [{operations: [CREATE], apiGroups: [""], apiVersions: [v1], resources: [pods]}]
        """.Replace("IMAGE", image);

    // kubectl's generators (create configmap/namespace/secret) send protobuf, which the fake does not decode (415);
    // manifests go as JSON, as `kubectl create|apply -f` sends them.
    private static string ConfigMap(string name, string? data) =>
        $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n" + (data is null ? "" : $"data:\n  {data}\n");

    private async Task<string> CreateConfigMapAsync(string name, string? data)
    {
        var r = await _kubectl.RunWithStdinAsync(ConfigMap(name, data), "create", "-f", "-");
        Assert.True(r.ExitCode == 0, $"kubectl create -f -: {r}");
        return r.Stdout;
    }

    internal const string ServerCrd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: servers.policy.mesh.io
        spec:
          group: policy.mesh.io
          scope: Namespaced
          names: {plural: servers, singular: server, kind: Server, listKind: ServerList, shortNames: [srv]}
          versions:
          - name: v1beta1
            served: true
            storage: true
            subresources: {status: {}}
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
        """;

    private static string ServerCr(string port) => $$"""
        apiVersion: policy.mesh.io/v1beta1
        kind: Server
        metadata: {name: web-http}
        spec: {port: {{port}}}
        """;

    private static async Task Until(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail("condition not met within 20 s");
            await Task.Delay(20);
        }
    }
}
