using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;
using Mesh.Kubernetes.Tests.Deploy;
using Mesh.Names;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary>`mesh install` by parse+invoke: every rendered document is a valid object of its kind, named as
/// <see cref="KubernetesObjects"/> says, and the certificates in it chain as the silo and the API server need.
/// Applying it to an API server is Tests/Mesh.Kubernetes.Tests/Deploy/.</summary>
public sealed class InstallCommandTests : IDisposable
{
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

    [Fact]
    public async Task Install_Default_EveryDocumentHasApiVersionKindNameAndLabels()
    {
        var docs = await InstallAsync();

        Assert.All(docs, d =>
        {
            Assert.False(string.IsNullOrEmpty((string?)d["apiVersion"]), d.ToJsonString());
            Assert.False(string.IsNullOrEmpty((string?)d["kind"]), d.ToJsonString());
            Assert.True(DnsLabel.IsValid(((string)d["metadata"]!["name"]!).Replace(".", "")), d.ToJsonString());
            if ((string?)d["kind"] != "CustomResourceDefinition" || ((string)d["metadata"]!["name"]!).EndsWith(".policy.mesh.io", StringComparison.Ordinal))
                Assert.Equal(KubernetesObjects.PartOf, (string?)d["metadata"]!["labels"]?[KubernetesObjects.PartOfLabel]);
        });
        var keys = docs.Select(d => $"{d["kind"]}/{d["metadata"]!["namespace"]}/{d["metadata"]!["name"]}").ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
        string[] expected =
        [
            $"Namespace//{KubernetesObjects.Namespace}", $"ServiceAccount/mesh/{KubernetesObjects.Silo}", $"ClusterRole//{KubernetesObjects.Silo}",
            $"ClusterRoleBinding//{KubernetesObjects.Silo}", $"Role/mesh/{KubernetesObjects.SiloNamespaceRole}", $"RoleBinding/mesh/{KubernetesObjects.SiloNamespaceRole}",
            $"Secret/mesh/{KubernetesObjects.TrustAnchorSecret}", $"Secret/mesh/{KubernetesObjects.IssuerSecret}", $"Secret/mesh/{KubernetesObjects.InjectorTlsSecret}",
            $"ConfigMap/mesh/{KubernetesObjects.TrustBundleConfigMap}", $"Deployment/mesh/{KubernetesObjects.Redis}", $"Service/mesh/{KubernetesObjects.Redis}",
            $"NetworkPolicy/mesh/{KubernetesObjects.Redis}", $"Service/mesh/{KubernetesObjects.SiloHeadlessService}", $"Service/mesh/{KubernetesObjects.ControlService}",
            $"Service/mesh/{KubernetesObjects.AdminService}", $"Service/mesh/{KubernetesObjects.InjectorService}", $"StatefulSet/mesh/{KubernetesObjects.Silo}",
            $"MutatingWebhookConfiguration//{KubernetesObjects.InjectorWebhook}",
            "CustomResourceDefinition//servers.policy.mesh.io", "CustomResourceDefinition//authorizationpolicies.policy.mesh.io",
            "CustomResourceDefinition//meshtlsauthentications.policy.mesh.io", "CustomResourceDefinition//networkauthentications.policy.mesh.io",
            "CustomResourceDefinition//httplocalratelimitpolicies.policy.mesh.io", "CustomResourceDefinition//links.multicluster.mesh.io",
            "CustomResourceDefinition//federationpeers.multicluster.mesh.io",
            "CustomResourceDefinition//httproutes.gateway.networking.k8s.io",
            "CustomResourceDefinition//grpcroutes.gateway.networking.k8s.io", "CustomResourceDefinition//referencegrants.gateway.networking.k8s.io",
        ];
        Assert.Equal(expected.Order(), keys.Order());
    }

    [Fact]
    public async Task Install_Default_OneSiloWithoutDisruptionBudget()
    {
        var docs = await InstallAsync();

        Assert.Equal(1, (int)One(docs, "StatefulSet", KubernetesObjects.Silo)["spec"]!["replicas"]!);
        Assert.DoesNotContain(docs, d => (string?)d["kind"] == "PodDisruptionBudget");
    }

    [Fact]
    public async Task Install_Ha_ThreeSilosSpreadOverNodesAndADisruptionBudget()
    {
        var docs = await InstallAsync("--ha");

        var silo = One(docs, "StatefulSet", KubernetesObjects.Silo);
        Assert.Equal(3, (int)silo["spec"]!["replicas"]!);
        var antiAffinity = silo["spec"]!["template"]!["spec"]!["affinity"]!["podAntiAffinity"]!["requiredDuringSchedulingIgnoredDuringExecution"]![0]!;
        Assert.Equal("kubernetes.io/hostname", (string?)antiAffinity["topologyKey"]);
        Assert.Equal(KubernetesObjects.Silo, (string?)antiAffinity["labelSelector"]!["matchLabels"]![KubernetesObjects.NameLabel]);
        var pdb = One(docs, "PodDisruptionBudget", KubernetesObjects.Silo);
        Assert.Equal(1, (int)pdb["spec"]!["maxUnavailable"]!);
        Assert.Equal(silo["spec"]!["selector"]!.ToJsonString(), pdb["spec"]!["selector"]!.ToJsonString());
    }

    [Fact]
    public async Task Install_SiloPod_DownwardApiKubernetesModeRedisProbesAndLockedDown()
    {
        var docs = await InstallAsync();

        var spec = One(docs, "StatefulSet", KubernetesObjects.Silo)["spec"]!;
        Assert.Equal(KubernetesObjects.SiloHeadlessService, (string?)spec["serviceName"]);
        var pod = spec["template"]!["spec"]!;
        Assert.Equal(KubernetesObjects.Silo, (string?)pod["serviceAccountName"]);
        Assert.True((bool)pod["securityContext"]!["runAsNonRoot"]!);
        var container = Assert.Single(pod["containers"]!.AsArray())!;
        Assert.Equal(KubernetesObjects.SiloContainer, (string?)container["name"]);
        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!);
        Assert.Equal("metadata.name", (string?)env["POD_NAME"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.namespace", (string?)env["POD_NAMESPACE"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("status.podIP", (string?)env["POD_IP"]["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("true", (string?)env["MESH_KUBERNETES"]["value"]);
        Assert.Equal($"{KubernetesObjects.Redis}.mesh.svc:{KubernetesObjects.RedisPort}", (string?)env["MESH_REDIS"]["value"]);
        Assert.Equal("$(POD_IP)", (string?)env["MESH_ADVERTISE_ADDR"]["value"]);
        Assert.Equal($"0.0.0.0:{KubernetesObjects.AdminPort}", (string?)env["MESH_ADMIN_ADDR"]["value"]);
        Assert.Equal($"0.0.0.0:{KubernetesObjects.ControlPort}", (string?)env["MESH_CONTROL_ADDR"]["value"]);
        Assert.Equal(KubernetesObjects.SiloCaMountPath, (string?)env["MESH_CA_DIR"]["value"]);
        Assert.Equal(KubernetesObjects.SiloDataDir, (string?)env["MESH_DATA_DIR"]["value"]);
        Assert.Equal(KubernetesObjects.OrleansSiloPort.ToString(), (string?)env["MESH_SILO_PORT"]["value"]);
        Assert.Equal(KubernetesObjects.OrleansGatewayPort.ToString(), (string?)env["MESH_GATEWAY_PORT"]["value"]);
        Assert.Equal($"0.0.0.0:{KubernetesObjects.WebhookPort}", (string?)env["MESH_INJECTOR_ADDR"]["value"]);
        Assert.Equal($"{KubernetesObjects.InjectorTlsMountPath}/tls.crt", (string?)env["MESH_INJECTOR_CERT"]["value"]);
        Assert.Equal($"{KubernetesObjects.InjectorTlsMountPath}/tls.key", (string?)env["MESH_INJECTOR_KEY"]["value"]);
        var ports = container["ports"]!.AsArray().ToDictionary(p => (string)p!["name"]!, p => (int)p!["containerPort"]!);
        Assert.Equal(KubernetesObjects.AdminPort, ports["admin"]);
        Assert.Equal(KubernetesObjects.ControlPort, ports["control"]);
        Assert.Equal(KubernetesObjects.WebhookPort, ports["webhook"]);
        foreach (var probe in new[] { "startupProbe", "readinessProbe" })
        {
            Assert.Equal(KubernetesObjects.HealthPath, (string?)container[probe]!["httpGet"]!["path"]);
            Assert.Equal("admin", (string?)container[probe]!["httpGet"]!["port"]);
        }
        Assert.Equal("admin", (string?)container["livenessProbe"]!["tcpSocket"]!["port"]);
        Assert.True((bool)container["securityContext"]!["readOnlyRootFilesystem"]!);
        Assert.False((bool)container["securityContext"]!["allowPrivilegeEscalation"]!);
        Assert.Equal("ALL", (string?)container["securityContext"]!["capabilities"]!["drop"]![0]);
        var mounts = container["volumeMounts"]!.AsArray().Select(m => (string)m!["mountPath"]!).ToList();
        Assert.Contains(KubernetesObjects.SiloDataDir, mounts);
        Assert.Contains(KubernetesObjects.SiloCaMountPath, mounts);
        Assert.Contains(KubernetesObjects.InjectorTlsMountPath, mounts);
        Assert.Contains("/tmp", mounts);
    }

    [Fact]
    public async Task Install_Services_PortsFromThePortTable()
    {
        var docs = await InstallAsync();

        int Port(string service) => (int)Assert.Single(One(docs, "Service", service)["spec"]!["ports"]!.AsArray())!["port"]!;
        Assert.Equal(KubernetesObjects.ControlPort, Port(KubernetesObjects.ControlService));
        Assert.Equal(KubernetesObjects.AdminPort, Port(KubernetesObjects.AdminService));
        Assert.Equal(443, Port(KubernetesObjects.InjectorService));
        Assert.Equal(KubernetesObjects.RedisPort, Port(KubernetesObjects.Redis));
        Assert.Equal("None", (string?)One(docs, "Service", KubernetesObjects.SiloHeadlessService)["spec"]!["clusterIP"]);
    }

    [Fact]
    public async Task Install_Webhook_FailsOpenSkipsControlPlaneAndKubeSystemAndTrustsTheInjectorCertificate()
    {
        var docs = await InstallAsync();

        var webhook = Assert.Single(One(docs, "MutatingWebhookConfiguration", KubernetesObjects.InjectorWebhook)["webhooks"]!.AsArray())!;
        Assert.Equal(KubernetesObjects.InjectorWebhookName, (string?)webhook["name"]);
        Assert.Equal("Ignore", (string?)webhook["failurePolicy"]);
        Assert.Equal("None", (string?)webhook["sideEffects"]);
        var service = webhook["clientConfig"]!["service"]!;
        Assert.Equal(KubernetesObjects.InjectorService, (string?)service["name"]);
        Assert.Equal(KubernetesObjects.Namespace, (string?)service["namespace"]);
        Assert.Equal(KubernetesObjects.InjectorPath, (string?)service["path"]);
        var excluded = Assert.Single(webhook["namespaceSelector"]!["matchExpressions"]!.AsArray())!;
        Assert.Equal("kubernetes.io/metadata.name", (string?)excluded["key"]);
        Assert.Equal("NotIn", (string?)excluded["operator"]);
        Assert.Equal(["kube-system", KubernetesObjects.Namespace], excluded["values"]!.AsArray().Select(v => (string)v!));
        var objects = Assert.Single(webhook["objectSelector"]!["matchExpressions"]!.AsArray())!;
        Assert.Equal(KubernetesObjects.PartOfLabel, (string?)objects["key"]);
        Assert.Equal("NotIn", (string?)objects["operator"]);

        // The API server verifies the injector's serving certificate against caBundle, for the Service's DNS name.
        using var ca = X509CertificateLoader.LoadCertificate(PemBytes(Base64((string)webhook["clientConfig"]!["caBundle"]!)));
        var tls = One(docs, "Secret", KubernetesObjects.InjectorTlsSecret)["data"]!;
        using var leaf = X509Certificate2.CreateFromPem(Base64((string)tls["tls.crt"]!), Base64((string)tls["tls.key"]!));
        Assert.True(leaf.HasPrivateKey);
        Assert.True(leaf.MatchesHostname($"{KubernetesObjects.InjectorService}.{KubernetesObjects.Namespace}.svc"));
        Assert.True(Chains(leaf, ca), "the injector certificate does not chain to the webhook's caBundle");
    }

    [Fact]
    public async Task Install_Identity_IssuerChainsToTheAnchorInTheBundleAndNoAnchorKeyIsShipped()
    {
        var result = await _cli.RunAsync("install");
        var docs = YamlJson.Documents(result.Out);

        using var anchor = X509Certificate2.CreateFromPem(Base64((string)One(docs, "Secret", KubernetesObjects.TrustAnchorSecret)["data"]!["ca.crt"]!));
        var issuerData = One(docs, "Secret", KubernetesObjects.IssuerSecret)["data"]!;
        using var issuer = X509Certificate2.CreateFromPem(Base64((string)issuerData["tls.crt"]!), Base64((string)issuerData["tls.key"]!));
        Assert.True(Chains(issuer, anchor), "the issuer does not chain to the trust anchor");
        Assert.Equal(anchor.Thumbprint, X509Certificate2.CreateFromPem(Base64((string)issuerData["ca.crt"]!)).Thumbprint);
        var bundle = (string)One(docs, "ConfigMap", KubernetesObjects.TrustBundleConfigMap)["data"]!["ca-bundle.crt"]!;
        Assert.Equal(anchor.Thumbprint, X509Certificate2.CreateFromPem(bundle).Thumbprint);
        // Private keys: the issuer's and the injector's, never the anchor's.
        var keys = docs.Where(d => (string?)d["kind"] == "Secret")
            .SelectMany(d => d["data"]!.AsObject().Where(p => Base64((string)p.Value!).Contains("PRIVATE KEY")).Select(p => $"{d["metadata"]!["name"]}/{p.Key}"));
        Assert.Equal(new[] { $"{KubernetesObjects.IssuerSecret}/tls.key", $"{KubernetesObjects.InjectorTlsSecret}/tls.key" }.Order(), keys.Order());
        Assert.Contains("its private key was not kept", result.Err);
    }

    [Fact]
    public async Task Install_Twice_DifferentTrustAnchorsAndIssuers()
    {
        var first = await InstallAsync();
        var second = await InstallAsync();

        string Anchor(List<JsonObject> docs) => (string)One(docs, "Secret", KubernetesObjects.TrustAnchorSecret)["data"]!["ca.crt"]!;
        string Issuer(List<JsonObject> docs) => (string)One(docs, "Secret", KubernetesObjects.IssuerSecret)["data"]!["tls.key"]!;
        string Injector(List<JsonObject> docs) => (string)One(docs, "Secret", KubernetesObjects.InjectorTlsSecret)["data"]!["tls.key"]!;
        Assert.NotEqual(Anchor(first), Anchor(second));
        Assert.NotEqual(Issuer(first), Issuer(second));
        Assert.NotEqual(Injector(first), Injector(second));
    }

    [Fact]
    public async Task Install_CaDir_ShipsThatAnchorAndIssuer()
    {
        var init = await _cli.RunAsync("identity", "init", "--data-dir", _cli.DataDirectory);
        Assert.True(init.ExitCode == 0, init.ToString());
        var caDir = Path.Combine(_cli.DataDirectory, "ca");

        var result = await _cli.RunAsync("install", "--ca-dir", caDir);

        Assert.True(result.ExitCode == 0, result.ToString());
        var docs = YamlJson.Documents(result.Out);
        using var anchor = X509Certificate2.CreateFromPem(Base64((string)One(docs, "Secret", KubernetesObjects.TrustAnchorSecret)["data"]!["ca.crt"]!));
        using var local = X509Certificate2.CreateFromPem(File.ReadAllText(Path.Combine(caDir, "trust-anchor.crt")));
        Assert.Equal(local.Thumbprint, anchor.Thumbprint);
        Assert.DoesNotContain("not kept", result.Err);
    }

    [Fact]
    public async Task Install_CaDirMissing_UserErrorWithTheFix()
    {
        var result = await _cli.RunAsync("install", "--ca-dir", Path.Combine(_cli.DataDirectory, "nope"));

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Contains("cannot load the CA", result.Err);
        Assert.Contains("mesh identity init", result.Err);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Install_Namespace_EveryReferenceFollows()
    {
        var docs = await InstallAsync("--namespace", "mesh-prod");

        Assert.All(docs.Where(d => d["metadata"]!["namespace"] is not null), d => Assert.Equal("mesh-prod", (string?)d["metadata"]!["namespace"]));
        Assert.Single(docs, d => (string?)d["kind"] == "Namespace" && (string?)d["metadata"]!["name"] == "mesh-prod");
        Assert.All(docs.Where(d => (string?)d["kind"] is "ClusterRoleBinding" or "RoleBinding"),
            d => Assert.Equal("mesh-prod", (string?)d["subjects"]![0]!["namespace"]));
        var webhook = One(docs, "MutatingWebhookConfiguration", KubernetesObjects.InjectorWebhook)["webhooks"]![0]!;
        Assert.Equal("mesh-prod", (string?)webhook["clientConfig"]!["service"]!["namespace"]);
        Assert.Contains("mesh-prod", webhook["namespaceSelector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => (string)v!));
        var env = One(docs, "StatefulSet", KubernetesObjects.Silo)["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Contains(env, e => (string?)e!["name"] == "MESH_REDIS" && (string?)e["value"] == "mesh-redis.mesh-prod.svc:6379");
        var tls = One(docs, "Secret", KubernetesObjects.InjectorTlsSecret)["data"]!;
        using var leaf = X509Certificate2.CreateFromPem(Base64((string)tls["tls.crt"]!));
        Assert.True(leaf.MatchesHostname("mesh-injector.mesh-prod.svc"));
    }

    [Theory]
    [InlineData("default", "not for the control plane")]
    [InlineData("kube-system", "not for the control plane")]
    [InlineData("Mesh", "not a namespace name")]
    [InlineData("-mesh", "not a namespace name")]
    public async Task Install_BadNamespace_UserErrorAndNothingRendered(string ns, string message)
    {
        var result = await _cli.RunAsync("install", "--namespace", ns);

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Contains(message, result.Err);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Install_BadTrustDomain_UserError()
    {
        var result = await _cli.RunAsync("install", "--trust-domain", "Not A Domain");

        Assert.Equal(ExitCodes.UserError, result.ExitCode);
        Assert.Contains("is not a trust domain", result.Err);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Install_TrustDomainAndImages_Rendered()
    {
        var docs = await InstallAsync("--trust-domain", "example.org", "--silo-image", "registry.local/silo:1", "--proxy-image", "registry.local/proxy:1");

        var container = One(docs, "StatefulSet", KubernetesObjects.Silo)["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("registry.local/silo:1", (string?)container["image"]);
        var env = container["env"]!.AsArray();
        Assert.Contains(env, e => (string?)e!["name"] == "MESH_TRUST_DOMAIN" && (string?)e["value"] == "example.org");
        Assert.Contains(env, e => (string?)e!["name"] == "MESH_INJECTOR_PROXY_IMAGE" && (string?)e["value"] == "registry.local/proxy:1");
        using var anchor = X509Certificate2.CreateFromPem(Base64((string)One(docs, "Secret", KubernetesObjects.TrustAnchorSecret)["data"]!["ca.crt"]!));
        Assert.Contains("example.org", anchor.Subject);
    }

    [Fact]
    public async Task Install_CrdSelections_RenderWhatTheySay()
    {
        static bool IsCrd(JsonObject d) => (string?)d["kind"] == "CustomResourceDefinition";
        static bool IsGatewayApi(JsonObject d) => IsCrd(d) && ((string)d["metadata"]!["name"]!).EndsWith(".gateway.networking.k8s.io", StringComparison.Ordinal);

        var only = await InstallAsync("--crds-only");
        Assert.All(only, d => Assert.True(IsCrd(d)));
        Assert.Equal(10, only.Count);
        var ignored = await InstallAsync("--ignore-crds");
        Assert.DoesNotContain(ignored, IsCrd);
        var noGateway = await InstallAsync("--skip-gateway-api");
        Assert.Equal(7, noGateway.Count(IsCrd));
        Assert.DoesNotContain(noGateway, IsGatewayApi);
        var both = await _cli.RunAsync("install", "--crds-only", "--ignore-crds");
        Assert.Equal(ExitCodes.UserError, both.ExitCode);
        Assert.Contains("exclude each other", both.Err);
    }

    [Fact]
    public async Task Install_GatewayApiCrds_ByteForByteTheUpstreamFiles()
    {
        var result = await _cli.RunAsync("install", "--crds-only");
        var upstream = Path.Combine(RepoRoot(), "deploy", "crds", "gateway-api-v1.6.1");

        foreach (var file in Directory.GetFiles(upstream, "*.yaml"))
            Assert.Contains(File.ReadAllText(file).TrimEnd('\n') + "\n", result.Out);
        // deploy/ ships the shared reference copy unchanged (CI lays shared/ beside the repository).
        var shared = Path.Combine(RepoRoot(), "..", "shared", "kubernetes", "gateway-api-v1.6.1");
        if (Directory.Exists(shared))
            foreach (var file in Directory.GetFiles(shared))
                Assert.Equal(File.ReadAllBytes(file), File.ReadAllBytes(Path.Combine(upstream, Path.GetFileName(file))));
    }

    internal static string RepoRoot()
    {
        if (Environment.GetEnvironmentVariable("MESH_REPO_ROOT") is { Length: > 0 } root) return root;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Mesh.sln); set MESH_REPO_ROOT");
    }

    private static bool Chains(X509Certificate2 leaf, X509Certificate2 root)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(root);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(leaf);
    }

    private static string Base64(string value) => Encoding.UTF8.GetString(Convert.FromBase64String(value));

    private static byte[] PemBytes(string pem) => X509Certificate2.CreateFromPem(pem).RawData;
}
