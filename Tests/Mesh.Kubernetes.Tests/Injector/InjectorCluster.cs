using System.Collections;
using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests.KubeApi.Admission;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>A fake API server, a real Kubernetes-mode silo serving the injector webhook (its own TLS listener, the
/// serving certificate from PEM files as a mounted Secret gives them) and the MutatingWebhookConfiguration the
/// deploy manifests ship: the `mesh-injector` Service in `mesh`, port 443, path /inject, failurePolicy Ignore, the CA
/// as caBundle. The fake reaches the Service at the silo's webhook port.</summary>
public sealed class InjectorCluster : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-injector-").FullName;
    private string? _webhookAddress;

    public FakeKubeApi Api { get; private set; } = null!;
    public SiloHost Silo { get; private set; } = null!;
    internal WebhookCertificates Certificates { get; private set; } = null!;
    public string Dir => _dir;

    public async Task InitializeAsync()
    {
        Certificates = WebhookCertificates.Create(Path.Combine(_dir, "tls"), $"{KubernetesObjects.InjectorService}.{KubernetesObjects.Namespace}.svc");
        Api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions
        {
            WebhookServices = (ns, name, port) =>
                ns == KubernetesObjects.Namespace && name == KubernetesObjects.InjectorService && port == 443 ? _webhookAddress : null,
        });
        Silo = await StartSiloAsync();
        await Api.Resources.CreateAsync(Api.Kind("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"), null, WebhookConfiguration(Certificates.CaBundle));
    }

    public async Task<SiloHost> StartSiloAsync()
    {
        var dataDir = Path.Combine(_dir, "silo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dataDir);
        var kubeconfig = Api.WriteKubeconfig(Path.Combine(dataDir, "kubeconfig"), token: Api.Tokens.MintServiceAccount(KubernetesObjects.Namespace, KubernetesObjects.Silo));
        var settings = SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dataDir, "--ephemeral"],
            new Hashtable
            {
                ["MESH_LOG_LEVEL"] = "Error", ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig, ["MESH_KUBERNETES_TIMEOUT_MS"] = "2000",
                ["MESH_INJECTOR_ADDR"] = "127.0.0.1:0", ["MESH_INJECTOR_CERT"] = Certificates.CertFile, ["MESH_INJECTOR_KEY"] = Certificates.KeyFile,
                ["MESH_INJECTOR_PROXY_VERSION"] = "0.1.0", ["POD_NAMESPACE"] = KubernetesObjects.Namespace,
            });
        var silo = await SiloHost.StartAsync(settings);
        _webhookAddress = $"127.0.0.1:{settings.Injector!.Address.Port}";
        return silo;
    }

    /// <summary>The configuration as deploy/ writes it (the service form; the API server resolves the Service).</summary>
    public static JsonObject WebhookConfiguration(string caBundle) => JsonNode.Parse($$"""
        {
          "apiVersion": "admissionregistration.k8s.io/v1",
          "kind": "MutatingWebhookConfiguration",
          "metadata": {"name": "{{KubernetesObjects.InjectorWebhook}}"},
          "webhooks": [{
            "name": "{{KubernetesObjects.InjectorWebhookName}}",
            "admissionReviewVersions": ["v1"],
            "sideEffects": "None",
            "failurePolicy": "Ignore",
            "timeoutSeconds": 10,
            "reinvocationPolicy": "Never",
            "clientConfig": {
              "service": {"namespace": "{{KubernetesObjects.Namespace}}", "name": "{{KubernetesObjects.InjectorService}}", "path": "{{KubernetesObjects.InjectorPath}}", "port": 443},
              "caBundle": "{{caBundle}}"
            },
            "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"], "scope": "Namespaced"}]
          }]
        }
        """)!.AsObject();

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        await Api.DisposeAsync();
        Certificates.Dispose();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
