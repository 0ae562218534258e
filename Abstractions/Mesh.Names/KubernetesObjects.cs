namespace Mesh.Names;

/// <summary>The names of the control plane's Kubernetes objects and of the mesh's Kubernetes annotations. One place for
/// deploy/, `mesh install`/`check`/`inject`, the injector webhook, the sync and the silo, so they cannot drift apart.</summary>
public static class KubernetesObjects
{
    /// <summary>The control plane's namespace.</summary>
    public const string Namespace = "mesh";
    /// <summary>The silo StatefulSet, its ServiceAccount, ClusterRole and ClusterRoleBinding.</summary>
    public const string Silo = "mesh-silo";
    /// <summary>The silos' headless Service (StatefulSet serviceName: stable pod DNS names).</summary>
    public const string SiloHeadlessService = "mesh-silo-headless";
    /// <summary>The Service proxies and the CLI reach the control API (gRPC, <see cref="ControlPort"/>) through.</summary>
    public const string ControlService = "mesh-control";
    /// <summary>The Service the admin API (HTTP, <see cref="AdminPort"/>) is reached through.</summary>
    public const string AdminService = "mesh-admin";
    /// <summary>The Service the API server calls the proxy injector through (port 443 → <see cref="WebhookPort"/>).</summary>
    public const string InjectorService = "mesh-injector";
    /// <summary>The MutatingWebhookConfiguration of the proxy injector.</summary>
    public const string InjectorWebhook = "mesh-proxy-injector";
    /// <summary>The webhook's name inside that configuration (a DNS subdomain with at least three segments).</summary>
    public const string InjectorWebhookName = "proxy-injector.mesh.io";
    /// <summary>Secret with the injector's serving certificate and key (tls.crt, tls.key).</summary>
    public const string InjectorTlsSecret = "mesh-injector-tls";
    /// <summary>Secret with the trust anchor certificate (ca.crt only: the anchor's key never enters the cluster).</summary>
    public const string TrustAnchorSecret = "mesh-trust-anchor";
    /// <summary>Secret with the identity issuer's certificate and key (tls.crt, tls.key, ca.crt = the anchor).</summary>
    public const string IssuerSecret = "mesh-issuer";
    /// <summary>ConfigMap with the trust bundle (ca-bundle.crt) every proxy mounts.</summary>
    public const string TrustBundleConfigMap = "mesh-trust-bundle";
    /// <summary>Redis (StatefulSet and Service) the silos cluster and store state through.</summary>
    public const string Redis = "mesh-redis";
    /// <summary>The Lease the one active Kubernetes syncer holds (in <see cref="Namespace"/>).</summary>
    public const string SyncLease = "mesh-kubernetes-sync";

    public const int AdminPort = 8085;
    public const int ControlPort = 8086;
    /// <summary>The federation API other clusters' silos watch this cluster's exports on (mesh mTLS, client certificate required).</summary>
    public const int FederationPort = 8087;
    public const int WebhookPort = 8443;
    public const int RedisPort = 6379;

    /// <summary>Audience of the projected ServiceAccount token a proxy presents to Certify.</summary>
    public const string TokenAudience = "identity.mesh.io";

    /// <summary>Namespace or pod annotation: enabled | disabled | ingress (the pod's wins).</summary>
    public const string InjectAnnotation = "mesh.io/inject";
    /// <summary>Prefix of the per-namespace / per-pod proxy overrides the injector reads.</summary>
    public const string ConfigAnnotationPrefix = "config.mesh.io/";
    /// <summary>Label the injector puts on a pod it injected, with the proxy version as value.</summary>
    public const string ProxyVersionLabel = "mesh.io/proxy-version";
    /// <summary>The injected proxy container (a native sidecar: an init container with restartPolicy Always).</summary>
    public const string ProxyContainer = "mesh-proxy";
    /// <summary>The injected init container that installs the iptables redirect (`mesh-proxy init`).</summary>
    public const string InitContainer = "mesh-init";
}
