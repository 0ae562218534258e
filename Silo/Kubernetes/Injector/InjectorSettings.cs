using System.Net;
using Mesh.Injection;
using Mesh.Names;
using Mesh.Silo.Hosting;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>The injector webhook's settings: where it listens (MESH_INJECTOR_ADDR, default 0.0.0.0:8443), its serving
/// certificate and key (MESH_INJECTOR_CERT / MESH_INJECTOR_KEY, PEM files, e.g. the mesh-injector-tls Secret mounted),
/// and what injected proxies get (MESH_INJECTOR_PROXY_IMAGE, MESH_INJECTOR_PROXY_VERSION — default this silo's version,
/// MESH_INJECTOR_CONTROL_ADDR — default the mesh-control Service in POD_NAMESPACE). Served only in Kubernetes mode and
/// only when the certificate is given: a silo without one (local mode, tests of other features) has no webhook.</summary>
public sealed record InjectorSettings(IPEndPoint Address, string CertificateFile, string KeyFile, InjectionSettings Proxy)
{
    public string Url => $"https://{(Address.Address.Equals(IPAddress.Any) ? "0.0.0.0" : Address.Address.ToString())}:{Address.Port}{KubernetesObjects.InjectorPath}";

    internal static InjectorSettings? Load(Func<string, string?> get, bool kubernetes, string? podNamespace, int controlPort, int adminPort)
    {
        var (addr, cert, key) = (get("MESH_INJECTOR_ADDR"), get("MESH_INJECTOR_CERT"), get("MESH_INJECTOR_KEY"));
        string[] proxyVars = ["MESH_INJECTOR_PROXY_IMAGE", "MESH_INJECTOR_PROXY_VERSION", "MESH_INJECTOR_CONTROL_ADDR"];
        if (cert is null && key is null)
        {
            if (addr is not null || proxyVars.Any(v => get(v) is not null))
                throw new SiloSettingsException("the proxy injector needs its serving certificate: set MESH_INJECTOR_CERT and MESH_INJECTOR_KEY (PEM files), or unset the MESH_INJECTOR_* settings");
            return null;
        }
        if (!kubernetes)
            throw new SiloSettingsException("MESH_INJECTOR_CERT / MESH_INJECTOR_KEY are for Kubernetes mode (the injector is a Kubernetes webhook): add --kubernetes true (MESH_KUBERNETES=true) or unset them");
        if (cert is null || key is null)
            throw new SiloSettingsException($"the proxy injector needs both MESH_INJECTOR_CERT and MESH_INJECTOR_KEY; {(cert is null ? "MESH_INJECTOR_CERT" : "MESH_INJECTOR_KEY")} is not set");
        foreach (var (name, path) in new[] { ("MESH_INJECTOR_CERT", cert), ("MESH_INJECTOR_KEY", key) })
            if (!File.Exists(path)) throw new SiloSettingsException($"{name}='{path}': no such file (mount the {KubernetesObjects.InjectorTlsSecret} Secret there)");

        if (!ListenAddress.TryParse(addr ?? $"0.0.0.0:{KubernetesObjects.WebhookPort}", out var endpoint, out var error))
            throw new SiloSettingsException($"MESH_INJECTOR_ADDR: {error}");
        if (endpoint.Port != 0 && (endpoint.Port == controlPort || endpoint.Port == adminPort))
            throw new SiloSettingsException($"MESH_INJECTOR_ADDR port {endpoint.Port} is the admin or control port; give the injector its own (or 0 for a free one)");
        var final = endpoint;
        while (final.Port == 0 || final.Port == controlPort || final.Port == adminPort) final = ListenAddress.ResolveFreePort(endpoint);

        var proxy = new InjectionSettings
        {
            Image = get("MESH_INJECTOR_PROXY_IMAGE") ?? InjectionSettings.DefaultImage,
            Version = get("MESH_INJECTOR_PROXY_VERSION") ?? InjectionSettings.DefaultVersion,
            ControlAddress = get("MESH_INJECTOR_CONTROL_ADDR")
                ?? $"https://{KubernetesObjects.ControlService}.{podNamespace ?? KubernetesObjects.Namespace}.svc.{NameDefaults.ClusterDomain}:{KubernetesObjects.ControlPort}",
            TrustDomain = get("MESH_TRUST_DOMAIN") ?? SpiffeId.DefaultTrustDomain,
        };
        if (proxy.Problems() is { Count: > 0 } problems)
            throw new SiloSettingsException("the proxy injector's MESH_INJECTOR_PROXY_IMAGE / _VERSION / MESH_INJECTOR_CONTROL_ADDR: " + string.Join("; ", problems));
        return new InjectorSettings(final, Path.GetFullPath(cert), Path.GetFullPath(key), proxy);
    }
}
