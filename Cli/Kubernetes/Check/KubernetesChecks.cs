using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Abstractions.Resources;
using Mesh.Cli.Commands;
using Mesh.Names;
using Mesh.Silo.Identity;

namespace Mesh.Cli.Kubernetes.Check;

/// <summary>`mesh check --kubernetes` against the API server: reachable and recent enough, the mesh's CRDs established,
/// the silo's ServiceAccount allowed what the silo does (SubjectAccessReview per <see cref="SiloPermissions"/>), the
/// silo pods ready, the injector webhook's caBundle valid and the webhook itself injecting a pod the API server
/// dry-runs, the identity Secrets' certificates valid, and no pod that should be meshed without its proxy. Each failure
/// says how to fix it.</summary>
internal sealed class KubernetesChecks(IKubernetes kube, Func<DateTimeOffset> now)
{
    /// <summary>Native sidecars (restartPolicy Always init containers) are on by default from 1.29.</summary>
    public static readonly Version MinimumVersion = new(1, 29);

    private const string ControlPlane = "kubernetes-control-plane", Injector = "kubernetes-injector", Identity = "kubernetes-identity";
    private const string Ns = KubernetesObjects.Namespace;
    private const string Install = "mesh install | kubectl apply -f -";

    /// <summary>The CRDs the sync lists and watches: the mesh's policy kinds, the Gateway API routes and the multicluster
    /// kinds; for the latter, what a cluster without them cannot do (a multicluster-only CRD is easy to miss when the
    /// CRDs are managed elsewhere).</summary>
    private static readonly (ResourceKind Kind, string? Without)[] Crds =
    [
        (ResourceKinds.Server, null), (ResourceKinds.AuthorizationPolicy, null), (ResourceKinds.MeshTlsAuthentication, null),
        (ResourceKinds.NetworkAuthentication, null), (ResourceKinds.HttpLocalRateLimitPolicy, null), (ResourceKinds.HttpRoute, null),
        (ResourceKinds.GrpcRoute, null),
        (ResourceKinds.Link, "no Link can be created, so this cluster mirrors no other cluster's Services"),
        (ResourceKinds.FederationPeer, "no FederationPeer can be created, so no linked cluster may watch this cluster's exports"),
    ];

    /// <summary>Every pod the injection check listed (null: it could not list them), for <see cref="PodProxyCheck"/>
    /// once the silo's proxy rows are read.</summary>
    public IReadOnlyList<V1Pod>? Pods { get; private set; }

    /// <summary>Runs every check, reporting each; an API server that cannot be reached ends them after that line.</summary>
    public async Task RunAsync(Action<string> progress, Action<CheckResult> report, CancellationToken ct)
    {
        progress("reaching the Kubernetes API…");
        var api = await ApiAsync(ct);
        foreach (var r in api) report(r);
        if (api[0].Status == CheckStatus.Fail) return;

        progress("checking the CRDs…");
        foreach (var (kind, without) in Crds) report(await CrdAsync(kind, without, ct));
        progress("checking the silo's RBAC…");
        report(await RbacAsync(ct));
        progress("checking the silo pods…");
        report(await SiloPodsAsync(ct));
        progress("checking the injector webhook…");
        report(await WebhookAsync(ct));
        report(await WebhookDryRunAsync(ct));
        progress("checking the trust anchor and issuer Secrets…");
        foreach (var r in await SecretsAsync(ct)) report(r);
        progress("looking for pods without their proxy…");
        foreach (var r in await InjectionAsync(ct)) report(r);
    }

    private async Task<List<CheckResult>> ApiAsync(CancellationToken ct)
    {
        VersionInfo version;
        try
        {
            version = await kube.Version.GetCodeAsync(ct);
        }
        catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TaskCanceledException)
        {
            return [new(KubeTarget.Category, "Kubernetes API is reachable", CheckStatus.Fail, $"{kube.BaseUri}: {Reason(e)}",
                "check the cluster is up and this kubeconfig's server, context and credentials: kubectl cluster-info (--kubeconfig / --context)")];
        }
        var results = new List<CheckResult> { new(KubeTarget.Category, "Kubernetes API is reachable", CheckStatus.Ok, kube.BaseUri.ToString().TrimEnd('/')) };
        const string Name = "Kubernetes version is supported";
        var parsed = int.TryParse(version.Major, out var major) && int.TryParse(new string(version.Minor.TakeWhile(char.IsDigit).ToArray()), out var minor)
            ? new Version(major, minor) : null;
        results.Add(parsed is null
            ? new(KubeTarget.Category, Name, CheckStatus.Warn, $"cannot read version '{version.GitVersion}'")
            : parsed < MinimumVersion
                ? new(KubeTarget.Category, Name, CheckStatus.Fail, $"{version.GitVersion}, the mesh needs ≥ {MinimumVersion} (native sidecar containers)",
                    $"upgrade the cluster to Kubernetes {MinimumVersion} or later")
                : new(KubeTarget.Category, Name, CheckStatus.Ok, version.GitVersion));
        return results;
    }

    private async Task<CheckResult> CrdAsync(ResourceKind kind, string? without, CancellationToken ct)
    {
        var group = kind.ApiVersion.Split('/')[0];
        var name = $"{kind.Plural}.{group}";
        var check = $"CRD {name} is installed";
        try
        {
            var crd = await kube.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: ct);
            var version = kind.ApiVersion.Split('/')[1];
            if (crd.Spec.Versions?.Any(v => v.Name == version && v.Served) != true)
                return new(ControlPlane, check, CheckStatus.Fail, $"it does not serve {kind.ApiVersion}", $"apply the CRD this release ships: {Install}");
            var established = crd.Status?.Conditions?.FirstOrDefault(c => c.Type == "Established");
            return established?.Status == "True"
                ? new(ControlPlane, check, CheckStatus.Ok, "established")
                : new(ControlPlane, check, CheckStatus.Fail, $"not established{(established?.Message is { Length: > 0 } m ? $": {m}" : "")}",
                    $"kubectl describe crd {name} (names conflicting with another CRD?)");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new(ControlPlane, check, CheckStatus.Fail, without is null ? "not found" : $"not found: {without}",
                without is null ? $"install the CRDs: {Install}" : $"install the CRDs: {Install} (or only them: mesh install --crds-only | kubectl apply -f -)");
        }
        catch (Exception e) when (IsApiError(e))
        {
            return new(ControlPlane, check, CheckStatus.Fail, Reason(e), "check that your user may get customresourcedefinitions");
        }
    }

    /// <summary>One SubjectAccessReview per permission, as the API server would authorize the silo's ServiceAccount.</summary>
    private async Task<CheckResult> RbacAsync(CancellationToken ct)
    {
        var sa = KubernetesObjects.Silo;
        var user = $"system:serviceaccount:{Ns}:{sa}";
        var name = $"ServiceAccount {Ns}/{sa} has the RBAC the silo needs";
        var needs = SiloPermissions.All;
        V1SubjectAccessReview[] answers;
        try
        {
            answers = await Task.WhenAll(needs.Select(need => kube.AuthorizationV1.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
            {
                ApiVersion = "authorization.k8s.io/v1",
                Kind = "SubjectAccessReview",
                Spec = new V1SubjectAccessReviewSpec
                {
                    User = user,
                    Groups = ["system:serviceaccounts", $"system:serviceaccounts:{Ns}", "system:authenticated"],
                    ResourceAttributes = new V1ResourceAttributes
                    {
                        Group = need.Group, Resource = need.Resource, Verb = need.Verb, NamespaceProperty = need.InSiloNamespace ? Ns : null,
                    },
                },
            }, cancellationToken: ct)));
        }
        catch (Exception e) when (IsApiError(e))
        {
            return new(ControlPlane, name, CheckStatus.Fail, $"SubjectAccessReview: {Reason(e)}", "check that your user may create subjectaccessreviews (cluster admin)");
        }
        var missing = needs.Zip(answers).Where(p => p.Second.Status?.Allowed != true).Select(p => p.First).ToList();
        if (missing.Count == 0) return new(ControlPlane, name, CheckStatus.Ok, $"{needs.Count} rules");
        var lines = missing.Select(m => $"{m.Verb} {m.Qualified}{(m.InSiloNamespace ? $" in {Ns}" : "")}");
        return new(ControlPlane, name, CheckStatus.Fail, $"missing: {string.Join(", ", lines)}",
            $"apply the RBAC this release ships ({Install}); or grant each missing rule in a ClusterRole (Role in {Ns} for \"in {Ns}\") bound to {Ns}/{sa}");
    }

    private async Task<CheckResult> SiloPodsAsync(CancellationToken ct)
    {
        const string Name = "silo pods are ready";
        V1PodList pods;
        try
        {
            pods = await kube.CoreV1.ListNamespacedPodAsync(Ns, labelSelector: KubernetesObjects.SiloPodSelector, cancellationToken: ct);
        }
        catch (Exception e) when (IsApiError(e))
        {
            return new(ControlPlane, Name, CheckStatus.Fail, Reason(e), $"check that your user may list pods in {Ns}");
        }
        if (pods.Items.Count == 0)
            return new(ControlPlane, Name, CheckStatus.Fail, $"no pod {KubernetesObjects.SiloPodSelector} in namespace {Ns}", $"install the control plane: {Install}");
        var notReady = pods.Items.Where(p => p.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") != true)
            .OrderBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .Select(p => $"{p.Metadata.Name} ({p.Status?.Phase ?? "no status"}{(p.Metadata.DeletionTimestamp is not null ? ", terminating" : "")})").ToList();
        return notReady.Count == 0
            ? new(ControlPlane, Name, CheckStatus.Ok, $"{pods.Items.Count} ready")
            : new(ControlPlane, Name, CheckStatus.Fail, $"not ready: {string.Join(", ", notReady)}",
                $"see why: kubectl -n {Ns} describe pod <name>; kubectl -n {Ns} logs <name> -c silo");
    }

    private async Task<CheckResult> WebhookAsync(CancellationToken ct)
    {
        const string Name = "injector webhook has a valid caBundle";
        var config = KubernetesObjects.InjectorWebhook;
        V1MutatingWebhookConfiguration webhooks;
        try
        {
            webhooks = await kube.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(config, cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new(Injector, Name, CheckStatus.Fail, $"no MutatingWebhookConfiguration {config}: pods are not injected", $"install it: {Install}");
        }
        catch (Exception e) when (IsApiError(e))
        {
            return new(Injector, Name, CheckStatus.Fail, Reason(e), "check that your user may get mutatingwebhookconfigurations");
        }
        var hook = webhooks.Webhooks?.FirstOrDefault(w => w.Name == KubernetesObjects.InjectorWebhookName);
        if (hook is null)
            return new(Injector, Name, CheckStatus.Fail, $"{config} has no webhook {KubernetesObjects.InjectorWebhookName}", $"re-apply it: {Install}");
        return CertificateCheck.Validity(Injector, $"injector webhook {KubernetesObjects.InjectorWebhookName} caBundle",
            hook.ClientConfig?.CaBundle, now(), $"re-render the injector's certificate and caBundle: {Install}") with { Name = Name };
    }

    /// <summary>Where the dry-run pod is created: every cluster has it, and the webhook's namespaceSelector leaves it in.</summary>
    public const string DryRunNamespace = "default";

    /// <summary>The webhook as the API server calls it: a pod asking for the proxy, created with dryRun=All (admitted
    /// whole, stored nowhere), must come back with it. failurePolicy Ignore admits a pod unchanged when the API server
    /// cannot reach the webhook or refuses its certificate, so a valid caBundle alone does not show the webhook works.</summary>
    private async Task<CheckResult> WebhookDryRunAsync(CancellationToken ct)
    {
        const string Name = "injector webhook injects a pod (server-side dry run)";
        var probe = new V1Pod
        {
            Metadata = new V1ObjectMeta { GenerateName = "mesh-check-", Annotations = new Dictionary<string, string> { [KubernetesObjects.InjectAnnotation] = "enabled" } },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "check", Image = "mesh-check" }] },
        };
        V1Pod admitted;
        try
        {
            admitted = await kube.CoreV1.CreateNamespacedPodAsync(probe, DryRunNamespace, dryRun: "All", cancellationToken: ct);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Forbidden)
        {
            return new(Injector, Name, CheckStatus.Fail, $"your user may not create pods in {DryRunNamespace}, not even as a dry run",
                $"run mesh check as a user who may: kubectl auth can-i create pods -n {DryRunNamespace}");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new(Injector, Name, CheckStatus.Warn, $"not checked: no namespace {DryRunNamespace} to dry-run a pod in");
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.BadRequest)
        {
            return new(Injector, Name, CheckStatus.Fail, ApiMessage(e), $"the webhook must say sideEffects: None; re-apply it: {Install}");
        }
        catch (Exception e) when (IsApiError(e))
        {
            return new(Injector, Name, CheckStatus.Fail, Reason(e), "read the API server's answer above; the webhook was not judged");
        }
        if (InjectionCheck.HasProxy(admitted))
            return new(Injector, Name, CheckStatus.Ok, $"{KubernetesObjects.ProxyContainer} added to a pod in {DryRunNamespace}");
        return new(Injector, Name, CheckStatus.Fail,
            $"a pod in {DryRunNamespace} with {KubernetesObjects.InjectAnnotation}: enabled was admitted without {KubernetesObjects.ProxyContainer}: "
            + "the API server could not call the webhook, or refused its certificate (failurePolicy Ignore admits the pod unchanged)",
            $"check that the silo pods serve it (kubectl -n {Ns} get endpointslices -l kubernetes.io/service-name={KubernetesObjects.InjectorService}) "
            + $"and the caBundle above; read the silo's log: kubectl -n {Ns} logs <silo pod> -c silo");
    }

    /// <summary>The API server's Status message, else the HTTP status.</summary>
    private static string ApiMessage(HttpOperationException e)
    {
        try
        {
            if (JsonNode.Parse(e.Response.Content ?? "")?["message"] is JsonValue v && v.TryGetValue<string>(out var message) && message.Length > 0) return message;
        }
        catch (JsonException) { } // not a Status: the HTTP status says what there is
        return Reason(e);
    }

    private async Task<List<CheckResult>> SecretsAsync(CancellationToken ct)
    {
        var anchorSecret = await SecretAsync(KubernetesObjects.TrustAnchorSecret, ct);
        var issuerSecret = await SecretAsync(KubernetesObjects.IssuerSecret, ct);
        const string AnchorName = "trust anchor is a valid certificate", IssuerName = "issuer is a valid certificate";
        var results = new List<CheckResult>
        {
            anchorSecret.Failure is { } af ? new(Identity, AnchorName, CheckStatus.Fail, af, $"install it: {Install}")
                : CertificateCheck.Validity(Identity, $"trust anchor (Secret {Ns}/{KubernetesObjects.TrustAnchorSecret} ca.crt)",
                    anchorSecret.Data?.GetValueOrDefault("ca.crt"), now(), "create a new anchor and roll it out with every proxy (mesh install renders a fresh one)") with { Name = AnchorName },
            issuerSecret.Failure is { } isf ? new(Identity, IssuerName, CheckStatus.Fail, isf, $"install it: {Install}")
                : CertificateCheck.Validity(Identity, $"issuer (Secret {Ns}/{KubernetesObjects.IssuerSecret} tls.crt)",
                    issuerSecret.Data?.GetValueOrDefault("tls.crt"), now(), "issue a new issuer from the trust anchor and update the Secret") with { Name = IssuerName },
        };
        using var anchor = CertificateCheck.Parse(anchorSecret.Data?.GetValueOrDefault("ca.crt"), out _);
        using var issuer = CertificateCheck.Parse(issuerSecret.Data?.GetValueOrDefault("tls.crt"), out _);
        if (anchor is not null && issuer is not null)
            results.Add(CertificateCheck.ChainsTo(issuer, anchor, now())
                ? new(Identity, "issuer is signed by the trust anchor", CheckStatus.Ok)
                : new(Identity, "issuer is signed by the trust anchor", CheckStatus.Fail, $"{issuer.Subject} does not chain to {anchor.Subject}",
                    "proxies would reject every certificate it issues: issue the issuer from this anchor (or re-render both with mesh install)"));
        return results;
    }

    private async Task<(Dictionary<string, byte[]>? Data, string? Failure)> SecretAsync(string name, CancellationToken ct)
    {
        try
        {
            var secret = await kube.CoreV1.ReadNamespacedSecretAsync(name, Ns, cancellationToken: ct);
            return (new Dictionary<string, byte[]>(secret.Data ?? new Dictionary<string, byte[]>(), StringComparer.Ordinal), null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return (null, $"no Secret {Ns}/{name}");
        }
        catch (Exception e) when (IsApiError(e))
        {
            return (null, $"Secret {Ns}/{name}: {Reason(e)}");
        }
    }

    private async Task<List<CheckResult>> InjectionAsync(CancellationToken ct)
    {
        try
        {
            var namespaces = await kube.CoreV1.ListNamespaceAsync(cancellationToken: ct);
            var pods = await kube.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct);
            Pods = [.. pods.Items];
            return InjectionCheck.Evaluate([.. namespaces.Items], Pods);
        }
        catch (Exception e) when (IsApiError(e))
        {
            return [new(InjectionCheck.Category, "pods that should be meshed have the proxy", CheckStatus.Fail, Reason(e), "check that your user may list namespaces and pods")];
        }
    }

    private static bool IsApiError(Exception e) => e is HttpOperationException or HttpRequestException or IOException or TaskCanceledException;

    private static string Reason(Exception e) => e switch
    {
        HttpOperationException h => $"HTTP {(int)h.Response.StatusCode} {h.Response.ReasonPhrase}".TrimEnd(),
        TaskCanceledException => "no answer in time",
        _ => e.GetBaseException().Message,
    };
}
