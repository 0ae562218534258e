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
    /// <summary>Redis (Deployment and Service) the silos cluster and store state through.</summary>
    public const string Redis = "mesh-redis";
    /// <summary>The Lease the one active Kubernetes syncer holds (in <see cref="Namespace"/>).</summary>
    public const string SyncLease = "mesh-kubernetes-sync";
    /// <summary>Label selector of the silo pods (the StatefulSet's pod template label app.kubernetes.io/name).</summary>
    public const string SiloPodSelector = NameLabel + "=" + Silo;

    /// <summary>The Role and RoleBinding (in <see cref="Namespace"/>) for what the silo does only there: the sync's
    /// Lease, and Orleans' Kubernetes hosting reading and labelling the silo's own pod.</summary>
    public const string SiloNamespaceRole = "mesh-silo-namespace";
    /// <summary>The silo's container in its pod.</summary>
    public const string SiloContainer = "silo";
    /// <summary>Where the silo pod mounts the identity issuer and the trust bundle (MESH_CA_DIR, files as
    /// <c>CertificateAuthority.Load</c> reads them).</summary>
    public const string SiloCaMountPath = "/var/run/mesh/identity";
    /// <summary>Where the silo pod mounts <see cref="InjectorTlsSecret"/> (tls.crt, tls.key) for the webhook listener.</summary>
    public const string InjectorTlsMountPath = "/var/run/mesh/injector";
    /// <summary>The silo pod's writable data dir (an emptyDir: the root filesystem is read-only).</summary>
    public const string SiloDataDir = "/var/lib/mesh";
    /// <summary>The path the API server posts AdmissionReviews to on <see cref="InjectorService"/>.</summary>
    public const string InjectorPath = "/inject";
    /// <summary>The silo's health endpoint on the admin port (200 when active and storage answers).</summary>
    public const string HealthPath = "/healthz";

    /// <summary>Recommended labels on every object `mesh install` renders; <see cref="PartOfLabel"/> =
    /// <see cref="PartOf"/> is what the webhook's objectSelector excludes and what `mesh uninstall` lists.</summary>
    public const string NameLabel = "app.kubernetes.io/name";
    public const string PartOfLabel = "app.kubernetes.io/part-of";
    public const string ComponentLabel = "app.kubernetes.io/component";
    public const string VersionLabel = "app.kubernetes.io/version";
    public const string PartOf = "mesh";

    /// <summary>Images `mesh install` points at by default (built from deploy/docker/; tag = the CLI's version).</summary>
    public const string SiloImage = "mesh/silo";
    public const string ProxyImage = "mesh/proxy";

    public const int AdminPort = 8085;
    public const int ControlPort = 8086;
    /// <summary>The federation API other clusters' silos watch this cluster's exports on (mesh mTLS, client certificate required).</summary>
    public const int FederationPort = 8087;
    public const int WebhookPort = 8443;
    public const int RedisPort = 6379;
    /// <summary>Orleans' silo-to-silo and client gateway ports inside the silo pod (Orleans' defaults).</summary>
    public const int OrleansSiloPort = 11111;
    public const int OrleansGatewayPort = 30000;

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

    /// <summary>Label an EndpointSlice names its Service with (set by the EndpointSlice controller, or by hand for a
    /// selector-less Service).</summary>
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string EndpointSliceApiVersion = "discovery.k8s.io/v1";
    public const string EndpointSliceKind = "EndpointSlice";
    /// <summary>Pod annotation the injector sets to the proxy version it injected (beside the label).</summary>
    public const string ProxyVersionAnnotation = "mesh.io/proxy-version";

    /// <summary>The injected proxy's ports (the proxy's own defaults): inbound (mesh mTLS), outbound (the app's traffic,
    /// loopback), admin (/ready, /live, /metrics; probes and scrapes reach it on the pod IP).</summary>
    public const int ProxyInboundPort = 4143;
    public const int ProxyOutboundPort = 4140;
    public const int ProxyAdminPort = 4191;
    /// <summary>The uid the injected proxy runs as; `mesh-proxy init` exempts its traffic from the redirect.</summary>
    public const int ProxyUid = 2102;
    /// <summary>Where the injected proxy finds its projected ServiceAccount token (audience <see cref="TokenAudience"/>).</summary>
    public const string ProxyTokenPath = "/var/run/secrets/mesh.io/serviceaccount/token";
    /// <summary>Where the injected proxy finds the trust bundle (<see cref="TrustBundleConfigMap"/>, key ca-bundle.crt).</summary>
    public const string ProxyTrustAnchorsPath = "/var/run/mesh.io/trust/ca-bundle.crt";
}
