using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Admin.Contract;
using Mesh.Cli.Tests.Fakes;
using Mesh.Names;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary>`mesh check --kubernetes` against the fake API server (a healthy install, then one thing broken per test)
/// and the fake admin API (the silo's checks and its sync status): every failure is a × line with its fix.</summary>
public sealed class CheckKubernetesTests : FakeSiloTestBase
{
    private static readonly KubernetesSyncStatus Leading = new(true, "mesh-silo-0", true, "mesh-silo-0", "mesh", KubernetesObjects.SyncLease, 1L << 40,
        [new("Service", "v1", true, "42", DateTimeOffset.UtcNow, 3, 0, null), new("Server", "policy.mesh.io/v1alpha1", true, "42", DateTimeOffset.UtcNow, 1, 0, null)],
        [], null);

    private void HealthySilo(KubernetesSyncStatus? sync = null)
    {
        Admin.Respond("GET", "/healthz", 200, "ok", "text/plain");
        Admin.Respond("GET", "/api/v1/info", 200, StatsSamples.Info);
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities());
        Admin.Respond("GET", "/api/v1/proxies", 200, "[]");
        Admin.Respond("GET", "/api/v1/resources/workloads", 200, Samples.List());
        Admin.Respond("GET", "/api/v1/resources/services", 200, Samples.List());
        Admin.Respond("GET", "/api/v1/kubernetes/sync", 200, JsonSerializer.Serialize(sync ?? Leading, AdminJsonContext.Default.KubernetesSyncStatus));
    }

    private async Task<(CliResult Result, List<string> Lines)> CheckAsync(CheckCluster cluster, params string[] extra)
    {
        var result = await Cli.RunAsync(["check", "--kubernetes", "--kubeconfig", cluster.Kubeconfig(Cli.DataDirectory), .. extra]);
        return (result, TableText.Lines(result.Out));
    }

    /// <summary>The line that starts with <paramref name="prefix"/> and the fix line under it.</summary>
    private static (string Line, string Fix) Failure(List<string> lines, string prefix)
    {
        var i = lines.FindIndex(l => l.StartsWith(prefix, StringComparison.Ordinal));
        Assert.True(i >= 0, $"no line starting '{prefix}' in:\n{string.Join("\n", lines)}");
        Assert.True(i + 1 < lines.Count && lines[i + 1].StartsWith("    fix: ", StringComparison.Ordinal), $"no fix under '{lines[i]}'");
        return (lines[i], lines[i + 1].TrimStart());
    }

    [Fact]
    public async Task CheckKubernetes_HealthyInstall_EveryCheckPasses()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync(webhook: true);
        var (result, lines) = await CheckAsync(cluster);

        var dryRun = cluster.Api.Webhooks.Calls.Single(c => c.Namespace == "default");
        Assert.True(dryRun.Outcome == "patched", dryRun.ToString());
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"√ Kubernetes API is reachable ({cluster.Api.Url})", lines);
        Assert.Contains(lines, l => l.StartsWith("√ Kubernetes version is supported (v1.32", StringComparison.Ordinal));
        foreach (var crd in new[] { "servers.policy.mesh.io", "authorizationpolicies.policy.mesh.io", "meshtlsauthentications.policy.mesh.io",
                     "networkauthentications.policy.mesh.io", "httplocalratelimitpolicies.policy.mesh.io", "httproutes.gateway.networking.k8s.io", "grpcroutes.gateway.networking.k8s.io",
                     "links.multicluster.mesh.io", "federationpeers.multicluster.mesh.io" })
            Assert.Contains($"√ CRD {crd} is installed (established)", lines);
        Assert.Contains(lines, l => l.StartsWith("√ ServiceAccount mesh/mesh-silo has the RBAC the silo needs (", StringComparison.Ordinal));
        Assert.Contains("√ silo pods are ready (1 ready)", lines);
        Assert.Contains(lines, l => l.StartsWith("√ injector webhook has a valid caBundle (", StringComparison.Ordinal));
        Assert.Contains("√ injector webhook injects a pod (server-side dry run) (mesh-proxy added to a pod in default)", lines);
        Assert.StartsWith("mesh-check-", dryRun.Name, StringComparison.Ordinal);
        Assert.Null(cluster.Api.Resources.Get(cluster.Api.Kind("v1", "pods"), "default", dryRun.Name).Value); // nothing stored
        Assert.Contains(lines, l => l.StartsWith("√ trust anchor is a valid certificate (36", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("√ issuer is a valid certificate (36", StringComparison.Ordinal));
        Assert.Contains("√ issuer is signed by the trust anchor", lines);
        Assert.Contains("√ pods that should be meshed have the proxy (1 meshed pod)", lines);
        Assert.Contains("√ meshed pods' proxies are certified (no running meshed pod)", lines);
        Assert.Contains("√ a silo leads the sync (mesh-silo-0 holds Lease mesh/mesh-kubernetes-sync (the silo asked))", lines);
        Assert.Contains("√ Service (v1) is synced (3 objects, resourceVersion 42)", lines);
        Assert.Contains("√ silo and storage are healthy (memory: --ephemeral, every resource is lost when the silo stops)", lines);
        Assert.DoesNotContain(lines, l => l.StartsWith('×') || l.StartsWith('‼'));
        Assert.Equal("Status check results: √ all checks passed", lines[^1]);
    }

    [Fact]
    public async Task CheckKubernetes_ApiServerUnreachable_FailsAndStopsTheClusterChecks()
    {
        HealthySilo();
        var cluster = await CheckCluster.StartAsync();
        var kubeconfig = cluster.Kubeconfig(Cli.DataDirectory);
        await cluster.DisposeAsync();

        var result = await Cli.RunAsync("check", "--kubernetes", "--kubeconfig", kubeconfig);
        var lines = TableText.Lines(result.Out);
        Assert.Equal(1, result.ExitCode);
        var (line, fix) = Failure(lines, "× Kubernetes API is reachable (");
        Assert.Contains(cluster.Api.Url, line);
        Assert.StartsWith("fix: check the cluster is up and this kubeconfig's server, context and credentials", fix);
        Assert.DoesNotContain(lines, l => l.Contains("CRD ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckKubernetes_NoKubeconfig_FailsNamingThePath()
    {
        HealthySilo();
        var missing = Path.Combine(Cli.DataDirectory, "nope");
        var result = await Cli.RunAsync("check", "--kubernetes", "--kubeconfig", missing);
        var (line, fix) = Failure(TableText.Lines(result.Out), "× kubeconfig can be used");
        Assert.Contains($"no kubeconfig at {missing}", line);
        Assert.StartsWith("fix: point at one with --kubeconfig FILE", fix);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_UnknownContext_FailsWithHowToListThem()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        var (result, lines) = await CheckAsync(cluster, "--context", "prod");
        var (_, fix) = Failure(lines, "× kubeconfig can be used");
        Assert.StartsWith("fix: list the contexts with: kubectl config get-contexts", fix);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task Check_KubeconfigWithoutKubernetes_IsAUsageError()
    {
        var result = await Cli.RunAsync("check", "--context", "prod");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--kubeconfig and --context need --kubernetes", result.Err);
    }

    [Fact]
    public async Task CheckKubernetes_RunningMeshedPod_ItsProxyMustBeCertifiedInTheSilo()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.PodAsync("default", "web-1", withProxy: true, serviceAccount: "web", phase: "Running");

        var (result, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× proxy of pod default/web-1 is certified");
        Assert.Equal("× proxy of pod default/web-1 is certified (no proxy of this pod has reported to the silo)", line);
        Assert.Equal("fix: see why: kubectl -n default logs web-1 -c mesh-proxy (its readiness probe, :4191/ready, names the identity error)", fix);
        Assert.Equal(1, result.ExitCode);

        Admin.Respond("GET", "/api/v1/proxies", 200, $"[{StatsSamples.Proxy(workload: "web-1")}]"); // spiffe://cluster.local/ns/default/sa/web
        (_, lines) = await CheckAsync(cluster);
        Assert.Contains("√ meshed pods' proxies are certified (1 pod, each for its service account)", lines);
        Assert.DoesNotContain(lines, l => l.Contains("proxy of pod", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckKubernetes_WebhookUnreachable_TheDryRunPodComesBackWithoutTheProxy()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync(); // no silo behind the webhook's Service
        var (result, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× injector webhook injects a pod (server-side dry run)");
        Assert.Equal("× injector webhook injects a pod (server-side dry run) (a pod in default with mesh.io/inject: enabled was admitted without mesh-proxy: "
            + "the API server could not call the webhook, or refused its certificate (failurePolicy Ignore admits the pod unchanged))", line);
        Assert.StartsWith("fix: check that the silo pods serve it (kubectl -n mesh get endpointslices -l kubernetes.io/service-name=mesh-injector)", fix);
        Assert.Equal("failed-ignored", cluster.Api.Webhooks.Calls.Single(c => c.Namespace == "default").Outcome);
        Assert.Contains(lines, l => l.StartsWith("√ injector webhook has a valid caBundle (", StringComparison.Ordinal)); // what a caBundle alone cannot show
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_UserMayNotCreatePods_TheDryRunFailsWithHowToAsk()
    {
        HealthySilo();
        var rbac = new RulesAuthorizer();
        rbac.Deny("kubernetes-admin", "create", "", "pods");
        await using var cluster = await CheckCluster.StartAsync(rbac);
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× injector webhook injects a pod (server-side dry run)");
        Assert.Equal("× injector webhook injects a pod (server-side dry run) (your user may not create pods in default, not even as a dry run)", line);
        Assert.Equal("fix: run mesh check as a user who may: kubectl auth can-i create pods -n default", fix);
        Assert.DoesNotContain(cluster.Api.Webhooks.Calls, c => c.Namespace == "default");
    }

    [Fact]
    public async Task CheckKubernetes_WebhookWithSideEffects_TheApiServerRefusesTheDryRun()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync(webhook: true);
        var patched = await cluster.Api.Resources.PatchAsync(cluster.Api.Kind("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"), null,
            KubernetesObjects.InjectorWebhook, "application/json-patch+json", JsonNode.Parse("""[{"op":"replace","path":"/webhooks/0/sideEffects","value":"Some"}]"""), status: false);
        Assert.True(patched.Ok, patched.Error?.Message);
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× injector webhook injects a pod (server-side dry run)");
        Assert.Equal("× injector webhook injects a pod (server-side dry run) (admission webhook \"proxy-injector.mesh.io\" does not support dry run)", line);
        Assert.Equal("fix: the webhook must say sideEffects: None; re-apply it: mesh install | kubectl apply -f -", fix);
    }

    [Fact]
    public async Task CheckKubernetes_CrdMissing_FailsWithTheInstallFix()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "servers.policy.mesh.io");
        var (result, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× CRD servers.policy.mesh.io is installed");
        Assert.Equal("× CRD servers.policy.mesh.io is installed (not found)", line);
        Assert.Equal("fix: install the CRDs: mesh install | kubectl apply -f -", fix);
        Assert.Contains("√ CRD httproutes.gateway.networking.k8s.io is installed (established)", lines);
        Assert.Equal(1, result.ExitCode);
    }

    [Theory]
    [InlineData("links.multicluster.mesh.io", "no Link can be created, so this cluster mirrors no other cluster's Services")]
    [InlineData("federationpeers.multicluster.mesh.io", "no FederationPeer can be created, so no linked cluster may watch this cluster's exports")]
    public async Task CheckKubernetes_MulticlusterCrdMissing_FailsSayingWhatBreaksWithTheInstallFix(string crd, string without)
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("apiextensions.k8s.io/v1", "customresourcedefinitions", null, crd);
        var (result, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, $"× CRD {crd} is installed");
        Assert.Equal($"× CRD {crd} is installed (not found: {without})", line);
        Assert.Equal("fix: install the CRDs: mesh install | kubectl apply -f - (or only them: mesh install --crds-only | kubectl apply -f -)", fix);
        // Only that one: the other multicluster CRD and the policies are there.
        Assert.Single(lines, l => l.StartsWith("× CRD ", StringComparison.Ordinal));
        Assert.Contains("√ CRD servers.policy.mesh.io is installed (established)", lines);
        Assert.Equal(1, result.ExitCode);
    }

    [Theory]
    [InlineData("watch", "", "pods", "watch pods")]
    [InlineData("create", "authentication.k8s.io", "tokenreviews", "create tokenreviews.authentication.k8s.io")]
    [InlineData("update", "coordination.k8s.io", "leases", "update leases.coordination.k8s.io in mesh")]
    public async Task CheckKubernetes_SiloServiceAccountLacksARule_FailsNamingIt(string verb, string group, string resource, string named)
    {
        HealthySilo();
        var rbac = new RulesAuthorizer();
        rbac.Deny(CheckCluster.SiloUser, verb, group, resource);
        await using var cluster = await CheckCluster.StartAsync(rbac);
        var (result, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× ServiceAccount mesh/mesh-silo has the RBAC the silo needs");
        Assert.Equal($"× ServiceAccount mesh/mesh-silo has the RBAC the silo needs (missing: {named})", line);
        Assert.StartsWith("fix: apply the RBAC this release ships (mesh install | kubectl apply -f -)", fix);
        Assert.Contains(cluster.Api.Requests, r => r.StartsWith("POST /apis/authorization.k8s.io/v1/subjectaccessreviews", StringComparison.Ordinal));
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_SiloPodNotReady_FailsNamingIt()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.SiloPodAsync("mesh-silo-1", ready: false);
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× silo pods are ready");
        Assert.Equal("× silo pods are ready (not ready: mesh-silo-1 (Running))", line);
        Assert.StartsWith("fix: see why: kubectl -n mesh describe pod <name>", fix);
    }

    [Fact]
    public async Task CheckKubernetes_NoSiloPods_FailsWithTheInstallFix()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("v1", "pods", KubernetesObjects.Namespace, "mesh-silo-0");
        var (_, lines) = await CheckAsync(cluster);
        var (line, _) = Failure(lines, "× silo pods are ready");
        Assert.Equal("× silo pods are ready (no pod app.kubernetes.io/name=mesh-silo in namespace mesh)", line);
    }

    [Fact]
    public async Task CheckKubernetes_NoWebhookConfiguration_FailsSayingPodsAreNotInjected()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", null, KubernetesObjects.InjectorWebhook);
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× injector webhook has a valid caBundle");
        Assert.Equal("× injector webhook has a valid caBundle (no MutatingWebhookConfiguration mesh-proxy-injector: pods are not injected)", line);
        Assert.Equal("fix: install it: mesh install | kubectl apply -f -", fix);
    }

    [Fact]
    public async Task CheckKubernetes_CaBundleNotACertificate_Fails()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", null, KubernetesObjects.InjectorWebhook);
        await cluster.WebhookAsync("garbage, not PEM");
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× injector webhook has a valid caBundle");
        Assert.Equal("× injector webhook has a valid caBundle (no PEM CERTIFICATE block)", line);
        Assert.StartsWith("fix: re-render the injector's certificate and caBundle", fix);
    }

    [Fact]
    public async Task CheckKubernetes_CaBundleExpired_Fails()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", null, KubernetesObjects.InjectorWebhook);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var old = CheckCluster.Ca("CN=old injector ca", key, null, null, TimeSpan.FromDays(30), DateTimeOffset.UtcNow.AddDays(-60));
        await cluster.WebhookAsync(CheckCluster.Pem(old));
        var (_, lines) = await CheckAsync(cluster);
        var (line, _) = Failure(lines, "× injector webhook has a valid caBundle");
        Assert.StartsWith("× injector webhook has a valid caBundle (CN=old injector ca expired ", line);
    }

    [Fact]
    public async Task CheckKubernetes_IssuerExpiresSoonAndNotFromTheAnchor_WarnsAndFails()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("v1", "secrets", KubernetesObjects.Namespace, KubernetesObjects.IssuerSecret);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var other = CheckCluster.Ca("CN=someone else", otherKey, null, null, TimeSpan.FromDays(3650));
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issuer = CheckCluster.Ca("CN=mesh issuer", issuerKey, other, otherKey, TimeSpan.FromDays(10));
        await cluster.SecretAsync(KubernetesObjects.IssuerSecret, "tls.crt", CheckCluster.Pem(issuer));
        var (result, lines) = await CheckAsync(cluster);
        var (warn, _) = Failure(lines, "‼ issuer is a valid certificate");
        Assert.Matches(@"^‼ issuer is a valid certificate \(CN=mesh issuer expires in (9|10) days \(warning below 30\)\)$", warn);
        var (line, fix) = Failure(lines, "× issuer is signed by the trust anchor");
        Assert.Equal("× issuer is signed by the trust anchor (CN=mesh issuer does not chain to CN=mesh trust anchor)", line);
        Assert.StartsWith("fix: proxies would reject every certificate it issues", fix);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_TrustAnchorSecretMissing_Fails()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("v1", "secrets", KubernetesObjects.Namespace, KubernetesObjects.TrustAnchorSecret);
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× trust anchor is a valid certificate");
        Assert.Equal("× trust anchor is a valid certificate (no Secret mesh/mesh-trust-anchor)", line);
        Assert.Equal("fix: install it: mesh install | kubectl apply -f -", fix);
        Assert.DoesNotContain(lines, l => l.Contains("signed by the trust anchor", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CheckKubernetes_PodsWithoutTheirProxy_FlaggedUnlessSkippedByDesign()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.PodAsync("shop", "web-2", withProxy: false);                          // namespace says enabled
        await cluster.PodAsync("shop", "batch-1", withProxy: false, inject: "disabled");      // the pod's annotation wins
        await cluster.PodAsync("default", "gw-1", withProxy: false, inject: "ingress");       // pod annotated, namespace not
        await cluster.PodAsync("default", "plain", withProxy: false);
        await cluster.CreateAsync("v1", "pods", "kube-system", JsonNode.Parse("""
            {"metadata":{"name":"dns","annotations":{"mesh.io/inject":"enabled"}},"spec":{"containers":[{"name":"dns","image":"dns"}]}}
            """)!);
        await cluster.PodAsync("shop", "typo", withProxy: false, inject: "enable");
        var (result, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× pods that should be meshed have the proxy");
        Assert.Equal("× pods that should be meshed have the proxy (no mesh-proxy container in default/gw-1, shop/web-2)", line);
        Assert.StartsWith("fix: they were admitted while the injector webhook was down or failing (failurePolicy Ignore)", fix);
        var (typo, _) = Failure(lines, "× pod shop/typo has a valid mesh.io/inject annotation");
        Assert.Equal("× pod shop/typo has a valid mesh.io/inject annotation ('enable' is none of enabled, disabled, ingress)", typo);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_SiloInLocalMode_Fails()
    {
        HealthySilo(new KubernetesSyncStatus(false, null, false, null, null, null, 0, [], [], null));
        await using var cluster = await CheckCluster.StartAsync();
        var (_, lines) = await CheckAsync(cluster);
        var (line, fix) = Failure(lines, "× the silo syncs from Kubernetes");
        Assert.Equal("× the silo syncs from Kubernetes (the silo runs in local mode)", line);
        Assert.StartsWith("fix: run the silo with MESH_KUBERNETES=true", fix);
    }

    [Fact]
    public async Task CheckKubernetes_SyncTrouble_EachReportedWithItsFix()
    {
        HealthySilo(Leading with
        {
            Kinds = [new("Server", "policy.mesh.io/v1alpha1", false, null, null, 0, 0, "HTTP 403 Forbidden"), new("HTTPRoute", "gateway.networking.k8s.io/v1", false, null, null, 0, 2, "HTTP 404 NotFound")],
            Skipped = [new("Server", "shop", "web", "77", ["spec.port: must be 1..65535"])],
            LastError = "cannot reach the Kubernetes API: connection refused",
        });
        await using var cluster = await CheckCluster.StartAsync();
        var (result, lines) = await CheckAsync(cluster);
        Assert.StartsWith("fix: grant the silo list and watch on Servers", Failure(lines, "× Server (policy.mesh.io/v1alpha1) is synced (HTTP 403 Forbidden)").Fix);
        Assert.StartsWith("fix: install the gateway.networking.k8s.io/v1 CRDs", Failure(lines, "× HTTPRoute (gateway.networking.k8s.io/v1) is synced (HTTP 404 NotFound)").Fix);
        var (skipped, edit) = Failure(lines, "‼ Server shop/web is valid");
        Assert.Equal("‼ Server shop/web is valid (skipped (resourceVersion 77): spec.port: must be 1..65535)", skipped);
        Assert.StartsWith("fix: fix it: kubectl -n shop edit server web", edit);
        Assert.StartsWith("fix: the silo serves its last state and proxies are unaffected", Failure(lines, "× the silo reaches the Kubernetes API (cannot reach").Fix);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_SiloIsAStandby_WarnsWhereThePerKindStatusIs()
    {
        HealthySilo(Leading with { Identity = "mesh-silo-1", Leader = false, Kinds = [] });
        await using var cluster = await CheckCluster.StartAsync(webhook: true);
        var (result, lines) = await CheckAsync(cluster);
        Assert.Contains("√ a silo leads the sync (mesh-silo-0 holds Lease mesh/mesh-kubernetes-sync)", lines);
        Assert.StartsWith("fix: ask the leader: kubectl -n mesh port-forward pod/mesh-silo-0 8085", Failure(lines, "‼ every kind is synced").Fix);
        Assert.Equal(0, result.ExitCode);
    }

    [Fact]
    public async Task CheckKubernetes_Json_EveryCheckWithStatusAndFix()
    {
        HealthySilo();
        await using var cluster = await CheckCluster.StartAsync();
        await cluster.DeleteAsync("apiextensions.k8s.io/v1", "customresourcedefinitions", null, "grpcroutes.gateway.networking.k8s.io");
        var (result, _) = await CheckAsync(cluster, "-o", "json");
        var doc = JsonNode.Parse(result.Out)!;
        Assert.False((bool)doc["ok"]!);
        var crd = doc["checks"]!.AsArray().Single(c => (string?)c!["name"] == "CRD grpcroutes.gateway.networking.k8s.io is installed")!;
        Assert.Equal("fail", (string?)crd["status"]);
        Assert.Equal("kubernetes-control-plane", (string?)crd["category"]);
        Assert.Equal("install the CRDs: mesh install | kubectl apply -f -", (string?)crd["fix"]);
        Assert.Equal(1, result.ExitCode);
    }
}
