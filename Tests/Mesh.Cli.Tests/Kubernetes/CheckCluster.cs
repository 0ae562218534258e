using System.Collections;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Cli.Tests.Kubernetes;

/// <summary>A fake API server holding a healthy install for `mesh check --kubernetes`: namespace mesh, the CRDs, a
/// ready silo pod, the injector webhook with a caBundle, the trust anchor and issuer Secrets (a real ECDSA chain), and
/// an annotated namespace whose pod has its proxy. Each test breaks one thing. With <c>webhook</c>, a real
/// Kubernetes-mode silo serves the injector behind the webhook's Service (its serving certificate signed by the
/// caBundle's CA), so the check's dry-run pod is injected; without, the API server cannot reach it.</summary>
internal sealed class CheckCluster : IAsyncDisposable
{
    public const string SiloUser = $"system:serviceaccount:{KubernetesObjects.Namespace}:{KubernetesObjects.Silo}";

    private string? _webhookAddress;
    private string? _dir;

    public FakeKubeApi Api { get; private init; } = null!;
    public SiloHost? Silo { get; private set; }

    /// <param name="authorizer">the fake's RBAC (default: allow all).</param>
    public static async Task<CheckCluster> StartAsync(IKubeAuthorizer? authorizer = null, bool webhook = false)
    {
        CheckCluster? self = null;
        var options = new FakeKubeApiOptions
        {
            Authorizer = authorizer ?? new AllowAllAuthorizer(),
            WebhookServices = (ns, name, port) =>
                ns == KubernetesObjects.Namespace && name == KubernetesObjects.InjectorService && port == 443 ? self?._webhookAddress : null,
        };
        var c = self = new CheckCluster { Api = await FakeKubeApi.StartAsync(options) };
        await c.CreateAsync("v1", "namespaces", null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = KubernetesObjects.Namespace } });
        foreach (var kind in ResourceKinds.CustomResources)
        {
            var (group, version) = (kind.ApiVersion.Split('/')[0], kind.ApiVersion.Split('/')[1]);
            await c.CreateAsync("apiextensions.k8s.io/v1", "customresourcedefinitions", null, JsonNode.Parse($$$"""
                {"metadata":{"name":"{{{kind.Plural}}}.{{{group}}}"},
                 "spec":{"group":"{{{group}}}","scope":"Namespaced","names":{"plural":"{{{kind.Plural}}}","kind":"{{{kind.Kind}}}"},
                         "versions":[{"name":"{{{version}}}","served":true,"storage":true}]}}
                """)!);
        }
        await c.SiloPodAsync("mesh-silo-0", ready: true);
        using var anchorKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var anchor = Ca("CN=mesh trust anchor", anchorKey, null, null, TimeSpan.FromDays(3650));
        using var issuerKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var issuer = Ca("CN=mesh issuer", issuerKey, anchor, anchorKey, TimeSpan.FromDays(365));
        await c.WebhookAsync(webhook ? await c.ServeWebhookAsync() : Pem(anchor));
        await c.SecretAsync(KubernetesObjects.TrustAnchorSecret, "ca.crt", Pem(anchor));
        await c.SecretAsync(KubernetesObjects.IssuerSecret, "tls.crt", Pem(issuer));
        await c.CreateAsync("v1", "namespaces", null, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "shop", ["annotations"] = new JsonObject { [KubernetesObjects.InjectAnnotation] = "enabled" } },
        });
        await c.PodAsync("shop", "web-1", withProxy: true);
        return c;
    }

    /// <summary>Starts the silo that serves the injector (Kubernetes mode against this API server); the caBundle PEM.</summary>
    private async Task<string> ServeWebhookAsync()
    {
        _dir = Directory.CreateTempSubdirectory("mesh-check-webhook-").FullName;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var ca = Ca("CN=mesh injector ca", caKey, null, null, TimeSpan.FromDays(3650));
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=mesh-injector", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName($"{KubernetesObjects.InjectorService}.{KubernetesObjects.Namespace}.svc");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var serving = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForECDsa(caKey), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(365), RandomNumberGenerator.GetBytes(8));
        var certFile = Path.Combine(_dir, "tls.crt");
        var keyFile = Path.Combine(_dir, "tls.key");
        await File.WriteAllTextAsync(certFile, serving.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
        var kubeconfig = Api.WriteKubeconfig(Path.Combine(_dir, "silo-kubeconfig"), token: Api.Tokens.MintServiceAccount(KubernetesObjects.Namespace, KubernetesObjects.Silo));
        var settings = SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", _dir, "--ephemeral"], new Hashtable
        {
            ["MESH_LOG_LEVEL"] = "Error", ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig, ["MESH_KUBERNETES_TIMEOUT_MS"] = "30000", ["MESH_KUBERNETES_LEASE_MS"] = "3000",
            ["MESH_INJECTOR_ADDR"] = "127.0.0.1:0", ["MESH_INJECTOR_CERT"] = certFile, ["MESH_INJECTOR_KEY"] = keyFile,
            ["POD_NAME"] = "mesh-silo-0", ["POD_NAMESPACE"] = KubernetesObjects.Namespace,
        });
        Silo = await SiloHost.StartAsync(settings);
        _webhookAddress = $"127.0.0.1:{settings.Injector!.Address.Port}";
        return Pem(ca);
    }

    public async Task CreateAsync(string apiVersion, string plural, string? ns, JsonNode body)
    {
        var created = await Api.Resources.CreateAsync(Api.Kind(apiVersion, plural), ns, body);
        Assert.True(created.Ok, $"{plural}: {created.Error?.Message}");
    }

    public async Task DeleteAsync(string apiVersion, string plural, string? ns, string name) =>
        Assert.True((await Api.Resources.DeleteAsync(Api.Kind(apiVersion, plural), ns, name, null)).Ok, $"delete {plural} {name}");

    public async Task SiloPodAsync(string name, bool ready)
    {
        await CreateAsync("v1", "pods", KubernetesObjects.Namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = new JsonObject { ["app.kubernetes.io/name"] = KubernetesObjects.Silo } },
            ["spec"] = new JsonObject { ["serviceAccountName"] = KubernetesObjects.Silo, ["containers"] = Containers("silo") },
        });
        var status = await Api.Resources.PatchAsync(Api.Kind("v1", "pods"), KubernetesObjects.Namespace, name, "application/merge-patch+json", new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["phase"] = "Running",
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        }, status: true);
        Assert.True(status.Ok, status.Error?.Message);
    }

    /// <summary>A pod in <paramref name="ns"/> with or without the injected proxy (a native sidecar init container);
    /// with a <paramref name="phase"/>, the kubelet's status write too.</summary>
    public async Task PodAsync(string ns, string name, bool withProxy, string? inject = null, string? serviceAccount = null, string? phase = null)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (inject is not null) metadata["annotations"] = new JsonObject { [KubernetesObjects.InjectAnnotation] = inject };
        var spec = new JsonObject { ["containers"] = Containers("app") };
        if (serviceAccount is not null) spec["serviceAccountName"] = serviceAccount;
        if (withProxy)
            spec["initContainers"] = new JsonArray(new JsonObject { ["name"] = KubernetesObjects.ProxyContainer, ["image"] = "mesh/proxy", ["restartPolicy"] = "Always" });
        await CreateAsync("v1", "pods", ns, new JsonObject { ["metadata"] = metadata, ["spec"] = spec });
        if (phase is null) return;
        var status = await Api.Resources.PatchAsync(Api.Kind("v1", "pods"), ns, name, "application/merge-patch+json",
            new JsonObject { ["status"] = new JsonObject { ["phase"] = phase } }, status: true);
        Assert.True(status.Ok, status.Error?.Message);
    }

    private static JsonArray Containers(string name) => new(new JsonObject { ["name"] = name, ["image"] = name });

    public Task WebhookAsync(string caPem) =>
        CreateAsync("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations", null, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = KubernetesObjects.InjectorWebhook },
            ["webhooks"] = new JsonArray(new JsonObject
            {
                ["name"] = KubernetesObjects.InjectorWebhookName,
                ["admissionReviewVersions"] = new JsonArray("v1"),
                ["sideEffects"] = "None",
                ["failurePolicy"] = "Ignore",
                ["rules"] = JsonNode.Parse("""[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"scope":"Namespaced"}]"""),
                ["namespaceSelector"] = JsonNode.Parse($$"""{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"NotIn","values":["kube-system","{{KubernetesObjects.Namespace}}"]}]}"""),
                ["clientConfig"] = new JsonObject
                {
                    ["service"] = new JsonObject { ["name"] = KubernetesObjects.InjectorService, ["namespace"] = KubernetesObjects.Namespace, ["path"] = "/inject" },
                    ["caBundle"] = Convert.ToBase64String(Encoding.ASCII.GetBytes(caPem)),
                },
            }),
        });

    public Task SecretAsync(string name, string key, string pem) =>
        CreateAsync("v1", "secrets", KubernetesObjects.Namespace, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = name },
            ["type"] = "Opaque",
            ["data"] = new JsonObject { [key] = Convert.ToBase64String(Encoding.ASCII.GetBytes(pem)) },
        });

    /// <summary>A CA certificate (self-signed when <paramref name="parent"/> is null) valid from an hour ago for <paramref name="lifetime"/>.</summary>
    public static X509Certificate2 Ca(string subject, ECDsa key, X509Certificate2? parent, ECDsa? parentKey, TimeSpan lifetime, DateTimeOffset? from = null)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var notBefore = from ?? DateTimeOffset.UtcNow.AddHours(-1);
        if (parent is null) return request.CreateSelfSigned(notBefore, notBefore + lifetime);
        var serial = RandomNumberGenerator.GetBytes(8);
        using var signed = request.Create(parent.SubjectName, X509SignatureGenerator.CreateForECDsa(parentKey!), notBefore, notBefore + lifetime, serial);
        return signed.CopyWithPrivateKey(key);
    }

    public static string Pem(X509Certificate2 cert) => cert.ExportCertificatePem();

    public string Kubeconfig(string dir) => Api.WriteKubeconfig(Path.Combine(dir, "kubeconfig"));

    public async ValueTask DisposeAsync()
    {
        if (Silo is not null) await Silo.DisposeAsync();
        await Api.DisposeAsync();
        if (_dir is not null) try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
