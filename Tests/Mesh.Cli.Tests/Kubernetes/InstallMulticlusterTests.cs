using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;
using Mesh.Cli.Tests.Fakes;
using Mesh.Kubernetes.Tests.Deploy;
using Mesh.Names;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary>`mesh install --cluster-name --federation --gateway --gateway-address`: the silo's multi-cluster env, the
/// federation and gateway LoadBalancers and the gateway Deployment, by parse+invoke. The golden
/// (testdata/install/multicluster-west.yaml) is the silo's, the federation's and the gateway's documents (they carry
/// no certificate, so they are the same every run); MESH_UPDATE_GOLDENS=1 rewrites it.</summary>
public sealed class InstallMulticlusterTests : IDisposable
{
    private const string GatewayAddress = "203.0.113.7:4143";
    private static readonly string[] West =
        ["--trust-domain", "west.mesh", "--cluster-name", "west", "--federation", "--gateway", "--gateway-address", GatewayAddress];

    private readonly TestCli _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<List<JsonObject>> InstallAsync(params string[] args)
    {
        var result = await _cli.RunAsync(["install", .. args]);
        Assert.True(result.ExitCode == 0, result.ToString());
        return YamlJson.Documents(result.Out);
    }

    private static JsonObject One(List<JsonObject> docs, string kind, string name) =>
        Assert.Single(docs, d => (string?)d["kind"] == kind && (string?)d["metadata"]!["name"] == name);

    private static JsonNode SiloContainer(List<JsonObject> docs) => One(docs, "StatefulSet", KubernetesObjects.Silo)["spec"]!["template"]!["spec"]!["containers"]![0]!;

    private static Dictionary<string, string?> Env(JsonNode container) =>
        container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);

    /// <summary>Every key of the selector is a label of the pods it must reach, with that value.</summary>
    private static void Selects(JsonNode selector, JsonNode podLabels)
    {
        Assert.NotEmpty(selector.AsObject());
        foreach (var (key, value) in selector.AsObject()) Assert.Equal((string?)value, (string?)podLabels[key]);
    }

    [Fact]
    public async Task Install_West_MatchesGolden()
    {
        var result = await _cli.RunAsync(["install", .. West]);

        Assert.True(result.ExitCode == 0, result.ToString());
        var rendered = string.Concat(Sections(result.Out, "deploy/manifests/silo.yaml", "deploy/manifests/federation.yaml", "deploy/manifests/gateway.yaml"));
        var golden = Path.Combine(AppContext.BaseDirectory, "testdata", "install", "multicluster-west.yaml");
        if (Environment.GetEnvironmentVariable("MESH_UPDATE_GOLDENS") == "1")
            File.WriteAllText(Path.Combine(SourceDir(), "..", "testdata", "install", "multicluster-west.yaml"), rendered);
        Assert.Equal(File.ReadAllText(golden), rendered);
        Assert.DoesNotContain("advertises no gateway", result.Err);
    }

    [Theory]
    [InlineData(false, 33)]
    [InlineData(true, 35)] // + the silos' and the gateways' PodDisruptionBudgets
    public async Task Install_West_EveryDocumentLoadsStrictlyAsItsKind(bool ha, int count)
    {
        var docs = await InstallAsync([.. ha ? ["--ha"] : Array.Empty<string>(), .. West]);

        Assert.Equal(count, docs.Count);
        foreach (var d in docs)
        {
            var kind = (string)d["kind"]!;
            Assert.True(Kinds.TryGetValue(kind, out var type), $"no typed model for {kind}");
            var e = Record.Exception(() => JsonSerializer.Deserialize(d.ToJsonString(), type!, Strict));
            Assert.True(e is null, $"{kind}/{d["metadata"]!["name"]}: {e?.Message}");
        }
        // The check is real: a misspelt field deep in the gateway's pod is refused.
        var misspelt = One(docs, "Deployment", "mesh-gateway").DeepClone();
        misspelt["spec"]!["template"]!["spec"]!["containers"]![0]!["readinesProbe"] = new JsonObject();
        Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<V1Deployment>(misspelt.ToJsonString(), Strict));
    }

    [Fact]
    public async Task Install_West_SiloServesFederationUnderItsNameBehindALoadBalancer()
    {
        var docs = await InstallAsync(West);

        var container = SiloContainer(docs);
        var env = Env(container);
        Assert.Equal("west", env["MESH_CLUSTER_NAME"]);
        Assert.Equal($"0.0.0.0:{KubernetesObjects.FederationPort}", env["MESH_FEDERATION_ADDR"]);
        var port = Assert.Single(container["ports"]!.AsArray(), p => (string?)p!["name"] == "federation")!;
        Assert.Equal(KubernetesObjects.FederationPort, (int)port["containerPort"]!);

        var service = One(docs, "Service", "mesh-federation")["spec"]!;
        Assert.Equal("LoadBalancer", (string?)service["type"]);
        Selects(service["selector"]!, One(docs, "StatefulSet", KubernetesObjects.Silo)["spec"]!["template"]!["metadata"]!["labels"]!);
        var servicePort = Assert.Single(service["ports"]!.AsArray())!;
        Assert.Equal(KubernetesObjects.FederationPort, (int)servicePort["port"]!);
        Assert.Equal("federation", (string?)servicePort["targetPort"]);
    }

    [Fact]
    public async Task Install_West_GatewayIsTheProxyInGatewayModeWithAProjectedTokenAndNoApiAccess()
    {
        var docs = await InstallAsync([.. West, "--proxy-image", "registry.local/proxy:7"]);

        var deployment = One(docs, "Deployment", "mesh-gateway");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        Assert.Equal("gateway", (string?)pod["serviceAccountName"]);
        Assert.False((bool)pod["automountServiceAccountToken"]!);
        Assert.False((bool)One(docs, "ServiceAccount", "gateway")["automountServiceAccountToken"]!);
        Assert.Equal("disabled", (string?)deployment["spec"]!["template"]!["metadata"]!["annotations"]![KubernetesObjects.InjectAnnotation]);
        var container = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.NotEqual(KubernetesObjects.ProxyContainer, (string?)container["name"]);
        Assert.Equal("registry.local/proxy:7", (string?)container["image"]);
        Assert.Equal(["gateway"], container["args"]!.AsArray().Select(a => (string)a!));

        var env = Env(container);
        Assert.Equal("gateway", env["MESH_PROXY_SERVICE_ACCOUNT"]);
        Assert.Equal("$(POD_NAMESPACE)", env["MESH_PROXY_NAMESPACE"]);
        Assert.Equal($"https://{KubernetesObjects.ControlService}.mesh.svc.cluster.local:{KubernetesObjects.ControlPort}", env["MESH_CONTROL_ADDR"]);
        Assert.Equal("west.mesh", env["MESH_PROXY_TRUST_DOMAIN"]);
        Assert.Equal($"0.0.0.0:{KubernetesObjects.ProxyInboundPort}", env["MESH_PROXY_INBOUND_ADDR"]);
        Assert.Equal($"0.0.0.0:{KubernetesObjects.ProxyAdminPort}", env["MESH_PROXY_ADMIN_ADDR"]);
        Assert.Equal(KubernetesObjects.ProxyTokenPath, env["MESH_PROXY_TOKEN_FILE"]);
        Assert.Equal(KubernetesObjects.ProxyTrustAnchorsPath, env["MESH_PROXY_TRUST_ANCHORS"]);

        // The token file and the trust bundle are where the env says, from the volumes that make them.
        var mounts = container["volumeMounts"]!.AsArray().ToDictionary(m => (string)m!["name"]!, m => (string)m!["mountPath"]!);
        var volumes = pod["volumes"]!.AsArray().ToDictionary(v => (string)v!["name"]!, v => v!);
        var token = volumes.Single(v => v.Value["projected"] is not null);
        var source = token.Value["projected"]!["sources"]![0]!["serviceAccountToken"]!;
        Assert.Equal(KubernetesObjects.TokenAudience, (string?)source["audience"]);
        Assert.Equal(KubernetesObjects.ProxyTokenPath, $"{mounts[token.Key]}/{source["path"]}");
        var bundle = volumes.Single(v => v.Value["configMap"] is not null);
        Assert.Equal(KubernetesObjects.TrustBundleConfigMap, (string?)bundle.Value["configMap"]!["name"]);
        Assert.Equal(KubernetesObjects.ProxyTrustAnchorsPath, $"{mounts[bundle.Key]}/{bundle.Value["configMap"]!["items"]![0]!["path"]}");

        var security = container["securityContext"]!;
        Assert.True((bool)security["runAsNonRoot"]!);
        Assert.True((bool)security["readOnlyRootFilesystem"]!);
        Assert.False((bool)security["allowPrivilegeEscalation"]!);
        Assert.Equal(["ALL"], security["capabilities"]!["drop"]!.AsArray().Select(c => (string)c!));
        Assert.Null(security["capabilities"]!["add"]);
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            Assert.Equal(KubernetesObjects.ProxyAdminPort, (int)container[probe]!["httpGet"]!["port"]!);

        // Least privilege: no role is bound to the gateway's ServiceAccount.
        Assert.DoesNotContain(docs, d => (string?)d["kind"] is "RoleBinding" or "ClusterRoleBinding"
            && d["subjects"]!.AsArray().Any(s => (string?)s!["name"] == "gateway"));
    }

    [Fact]
    public async Task Install_West_GatewayLoadBalancerAndTheSiloAdvertisesIt()
    {
        var docs = await InstallAsync(West);

        var service = One(docs, "Service", "mesh-gateway")["spec"]!;
        Assert.Equal("LoadBalancer", (string?)service["type"]);
        var pod = One(docs, "Deployment", "mesh-gateway")["spec"]!["template"]!;
        Selects(service["selector"]!, pod["metadata"]!["labels"]!);
        Assert.Equal(service["selector"]!.ToJsonString(), One(docs, "Deployment", "mesh-gateway")["spec"]!["selector"]!["matchLabels"]!.ToJsonString());
        var port = Assert.Single(service["ports"]!.AsArray())!;
        Assert.Equal(MulticlusterNames.DefaultGatewayPort, (int)port["port"]!);
        var target = Assert.Single(pod["spec"]!["containers"]![0]!["ports"]!.AsArray(), p => (string?)p!["name"] == (string?)port["targetPort"])!;
        Assert.Equal(KubernetesObjects.ProxyInboundPort, (int)target["containerPort"]!);

        var env = Env(SiloContainer(docs));
        Assert.Equal(GatewayAddress, env["MESH_MULTICLUSTER_GATEWAY"]);
        Assert.Equal("spiffe://west.mesh/ns/mesh/sa/gateway", env["MESH_MULTICLUSTER_GATEWAY_IDENTITY"]);
    }

    [Fact]
    public async Task Install_HaGateway_TwoReplicasOnePerNodeRolledWithoutSurgeAndABudget()
    {
        var docs = await InstallAsync(["--ha", .. West]);

        var spec = One(docs, "Deployment", "mesh-gateway")["spec"]!;
        Assert.Equal(2, (int)spec["replicas"]!);
        var podLabels = spec["template"]!["metadata"]!["labels"]!;
        // One per node, as the silos: a node lost costs one gateway; zones preferred.
        var anti = spec["template"]!["spec"]!["affinity"]!["podAntiAffinity"]!;
        var required = Assert.Single(anti["requiredDuringSchedulingIgnoredDuringExecution"]!.AsArray())!;
        Assert.Equal("kubernetes.io/hostname", (string?)required["topologyKey"]);
        Selects(required["labelSelector"]!["matchLabels"]!, podLabels);
        var preferred = Assert.Single(anti["preferredDuringSchedulingIgnoredDuringExecution"]!.AsArray())!["podAffinityTerm"]!;
        Assert.Equal("topology.kubernetes.io/zone", (string?)preferred["topologyKey"]);
        Selects(preferred["labelSelector"]!["matchLabels"]!, podLabels);
        // A surge pod could find no node the anti-affinity allows: rolled one at a time, the other serving.
        Assert.Equal(0, (int)spec["strategy"]!["rollingUpdate"]!["maxSurge"]!);
        Assert.Equal(1, (int)spec["strategy"]!["rollingUpdate"]!["maxUnavailable"]!);

        var budget = One(docs, "PodDisruptionBudget", "mesh-gateway");
        Assert.Equal("mesh", (string?)budget["metadata"]!["namespace"]);
        Assert.Equal(1, (int)budget["spec"]!["maxUnavailable"]!);
        Selects(budget["spec"]!["selector"]!["matchLabels"]!, podLabels);
        // The silos' budget does not select the gateways, nor theirs the silos.
        Assert.NotEqual((string?)podLabels["app.kubernetes.io/name"],
            (string?)One(docs, "PodDisruptionBudget", KubernetesObjects.Silo)["spec"]!["selector"]!["matchLabels"]!["app.kubernetes.io/name"]);
    }

    [Fact]
    public async Task Install_GatewayWithoutHa_OneReplicaNoAffinityNoBudget()
    {
        var docs = await InstallAsync(West);

        var spec = One(docs, "Deployment", "mesh-gateway")["spec"]!;
        Assert.Equal(1, (int)spec["replicas"]!);
        Assert.Null(spec["strategy"]);
        Assert.Null(spec["template"]!["spec"]!["affinity"]);
        Assert.DoesNotContain(docs, d => (string?)d["kind"] == "PodDisruptionBudget");
    }

    [Fact]
    public async Task Install_HaWithoutGateway_NoGatewayBudget()
    {
        var docs = await InstallAsync("--ha", "--cluster-name", "west", "--federation");

        Assert.Single(docs, d => (string?)d["kind"] == "PodDisruptionBudget");
        One(docs, "PodDisruptionBudget", KubernetesObjects.Silo);
    }

    [Fact]
    public async Task Install_GatewayWithoutAddress_SiloAdvertisesNoneAndTheNoteSaysWhatToSet()
    {
        var result = await _cli.RunAsync("install", "--cluster-name", "west", "--federation", "--gateway");

        Assert.True(result.ExitCode == 0, result.ToString());
        var docs = YamlJson.Documents(result.Out);
        One(docs, "Deployment", "mesh-gateway");
        var env = Env(SiloContainer(docs));
        Assert.False(env.ContainsKey("MESH_MULTICLUSTER_GATEWAY"));
        Assert.False(env.ContainsKey("MESH_MULTICLUSTER_GATEWAY_IDENTITY"));
        Assert.Contains("--gateway-address", result.Err);
        Assert.Contains("MESH_MULTICLUSTER_GATEWAY_IDENTITY=spiffe://cluster.local/ns/mesh/sa/gateway", result.Err);
    }

    [Fact]
    public async Task Install_ClusterNameOnly_NameButNoListenerServiceOrGateway()
    {
        var docs = await InstallAsync("--cluster-name", "east");

        var container = SiloContainer(docs);
        var env = Env(container);
        Assert.Equal("east", env["MESH_CLUSTER_NAME"]);
        Assert.False(env.ContainsKey("MESH_FEDERATION_ADDR"));
        Assert.DoesNotContain(container["ports"]!.AsArray(), p => (string?)p!["name"] == "federation");
        Assert.DoesNotContain(docs, d => (string?)d["metadata"]!["name"] is "mesh-federation" or "mesh-gateway" or "gateway");
    }

    [Fact]
    public async Task Install_Default_NoMulticlusterEnvOrObjects()
    {
        var docs = await InstallAsync();

        var env = Env(SiloContainer(docs));
        Assert.DoesNotContain(env.Keys, k => k is "MESH_CLUSTER_NAME" or "MESH_FEDERATION_ADDR" or "MESH_MULTICLUSTER_GATEWAY" or "MESH_MULTICLUSTER_GATEWAY_IDENTITY");
        Assert.DoesNotContain(docs, d => (string?)d["metadata"]!["name"] is "mesh-federation" or "mesh-gateway" or "gateway");
    }

    [Fact]
    public async Task Install_Namespace_GatewayIdentityAndControlAddressFollow()
    {
        var docs = await InstallAsync("-n", "mesh-prod", "--cluster-name", "west", "--gateway", "--gateway-address", GatewayAddress);

        Assert.Equal("spiffe://cluster.local/ns/mesh-prod/sa/gateway", Env(SiloContainer(docs))["MESH_MULTICLUSTER_GATEWAY_IDENTITY"]);
        var gateway = One(docs, "Deployment", "mesh-gateway");
        Assert.Equal("mesh-prod", (string?)gateway["metadata"]!["namespace"]);
        Assert.Equal("https://mesh-control.mesh-prod.svc.cluster.local:8086", Env(gateway["spec"]!["template"]!["spec"]!["containers"]![0]!)["MESH_CONTROL_ADDR"]);
        Assert.Equal("mesh-prod", (string?)One(docs, "ServiceAccount", "gateway")["metadata"]!["namespace"]);
    }

    [Theory]
    [InlineData(new[] { "--cluster-name", "West" }, "--cluster-name 'West' is not a DNS label")]
    [InlineData(new[] { "--cluster-name", "-west" }, "--cluster-name '-west' is not a DNS label")]
    [InlineData(new[] { "--cluster-name", "we_st" }, "--cluster-name 'we_st' is not a DNS label")]
    [InlineData(new[] { "--cluster-name", "a123456789012345678901234567890123456789012345678901234567890123" }, "is not a DNS label")]
    [InlineData(new[] { "--federation" }, "--federation needs --cluster-name")]
    [InlineData(new[] { "--gateway", "--gateway-address", "203.0.113.7" }, "--gateway-address '203.0.113.7' is not host:port")]
    [InlineData(new[] { "--gateway", "--gateway-address", "203.0.113.7:99999" }, "--gateway-address '203.0.113.7:99999' is not host:port")]
    [InlineData(new[] { "--gateway-address", GatewayAddress }, "--gateway-address is the address of the gateway --gateway renders")]
    [InlineData(new[] { "--crds-only", "--gateway" }, "--crds-only renders no silo or gateway")]
    [InlineData(new[] { "--crds-only", "--cluster-name", "west", "--federation" }, "--crds-only renders no silo or gateway")]
    public async Task Install_BadMulticlusterFlags_UserErrorAndNothingRendered(string[] args, string message)
    {
        var result = await _cli.RunAsync(["install", .. args]);

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Contains(message, result.Err);
        Assert.Empty(result.Out);
    }

    /// <summary>The text of the named "# Source:" sections of a render, each from its "---" line.</summary>
    private static IEnumerable<string> Sections(string yaml, params string[] sources)
    {
        var parts = yaml.Split("---\n# Source: ");
        foreach (var source in sources)
            yield return "---\n# Source: " + Assert.Single(parts, p => p.StartsWith(source + "\n", StringComparison.Ordinal));
    }

    /// <summary>Unknown fields refused, as the API server's strict field validation does (the typed models carry the
    /// JSON names and the int-or-string and quantity converters).</summary>
    private static readonly JsonSerializerOptions Strict = new() { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static readonly Dictionary<string, Type> Kinds = new()
    {
        ["Namespace"] = typeof(V1Namespace), ["ServiceAccount"] = typeof(V1ServiceAccount), ["ClusterRole"] = typeof(V1ClusterRole),
        ["ClusterRoleBinding"] = typeof(V1ClusterRoleBinding), ["Role"] = typeof(V1Role), ["RoleBinding"] = typeof(V1RoleBinding),
        ["Secret"] = typeof(V1Secret), ["ConfigMap"] = typeof(V1ConfigMap), ["Deployment"] = typeof(V1Deployment), ["Service"] = typeof(V1Service),
        ["NetworkPolicy"] = typeof(V1NetworkPolicy), ["StatefulSet"] = typeof(V1StatefulSet),
        ["MutatingWebhookConfiguration"] = typeof(V1MutatingWebhookConfiguration), ["PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["CustomResourceDefinition"] = typeof(V1CustomResourceDefinition),
    };

    private static string SourceDir([System.Runtime.CompilerServices.CallerFilePath] string self = "") => Path.GetDirectoryName(self)!;
}
