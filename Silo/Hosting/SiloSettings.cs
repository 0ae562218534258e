using System.Collections;
using System.Net;

namespace Mesh.Silo.Hosting;

/// <summary>Everything the silo host is configured with; built by <see cref="SiloSettingsLoader"/> from arguments and
/// MESH_* environment variables. Ports here are final (0 has already been replaced by a free port).</summary>
public sealed record SiloSettings
{
    public required IPEndPoint Admin { get; init; }
    public required IPEndPoint Control { get; init; }
    public required string DataDir { get; init; }
    /// <summary>"host:port" of a Redis server: Redis clustering + storage. Null: one silo, SQLite storage in the data dir.</summary>
    public string? Redis { get; init; }
    /// <summary>Local mode only: keep grain state in memory (lost when the silo stops) instead of &lt;data-dir&gt;/state.db.</summary>
    public bool Ephemeral { get; init; }
    public required int SiloPort { get; init; }
    public required int GatewayPort { get; init; }
    /// <summary>Address other silos reach this one at (Redis clustering).</summary>
    public IPAddress AdvertisedAddress { get; init; } = IPAddress.Loopback;
    public string ClusterId { get; init; } = "mesh";
    public string ServiceId { get; init; } = "mesh";
    public string TrustDomain { get; init; } = Abstractions.MeshNames.DefaultTrustDomain;
    /// <summary>How often the discovery gateway re-reads watched grains to heal lost stream subscriptions.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>Memory-stream pulling-agent period: the upper bound of stream delivery latency.</summary>
    public TimeSpan StreamPollPeriod { get; init; } = TimeSpan.FromMilliseconds(5);
    /// <summary>Capacity of each watcher's queue; a watcher that falls this far behind is disconnected.</summary>
    public int WatcherQueueCapacity { get; init; } = 64;
    public Microsoft.Extensions.Logging.LogLevel LogLevel { get; init; } = Microsoft.Extensions.Logging.LogLevel.Warning;
    /// <summary>Kubernetes mode: proxies' Certify tokens are projected ServiceAccount tokens checked with a TokenReview
    /// (audience identity.mesh.io), and the start checks the silo's RBAC. Off (local mode): the silo's HMAC tokens.</summary>
    public bool Kubernetes { get; init; }
    /// <summary>Kubernetes mode: the kubeconfig to reach the API server with; null = the pod's in-cluster config.</summary>
    public string? Kubeconfig { get; init; }
    /// <summary>Bound of each call the silo makes to the Kubernetes API (TokenReview, access reviews).</summary>
    public TimeSpan KubernetesTimeout { get; init; } = TimeSpan.FromSeconds(5);
    /// <summary>Kubernetes mode: duration of the sync's Lease (renew deadline ⅔, retry period ¼ of it).</summary>
    public TimeSpan KubernetesLease { get; init; } = TimeSpan.FromSeconds(15);
    /// <summary>Kubernetes mode: page size of the sync's lists (limit + continue).</summary>
    public int KubernetesPageSize { get; init; } = 500;
    /// <summary>POD_NAME (downward API): the sync's Lease identity; null = the host name.</summary>
    public string? KubernetesPodName { get; init; }
    /// <summary>POD_NAMESPACE (downward API): where the sync's Lease lives; null = KubernetesObjects.Namespace.</summary>
    public string? KubernetesPodNamespace { get; init; }
    /// <summary>Kubernetes mode: the proxy injector webhook (HTTPS, POST /inject); null = not served. See Kubernetes/Injector.</summary>
    public Kubernetes.Injector.InjectorSettings? Injector { get; init; }

    /// <summary>Kubernetes mode with Redis: Orleans' Kubernetes hosting (Microsoft.Orleans.Hosting.Kubernetes). The silo
    /// is named POD_NAME, advertises POD_IP, labels its pod with the service and cluster ids, and a silo whose pod is
    /// deleted is declared dead by its peers. The loader requires POD_NAME, POD_NAMESPACE and POD_IP for it.</summary>
    public bool KubernetesHosting => Kubernetes && Redis is not null;

    /// <summary>The federation listener (other clusters' silos watch this one's exports there, mesh mTLS with a client
    /// certificate required); null = off.</summary>
    public IPEndPoint? Federation { get; init; }
    /// <summary>This cluster's name as its links know it ("west"); required with <see cref="Federation"/>.</summary>
    public string? ClusterName { get; init; }
    /// <summary>DNS suffix of this cluster's services (what peers rewrite authorities to).</summary>
    public string ClusterDomain { get; init; } = Abstractions.MeshNames.DefaultClusterDomain;
    /// <summary>This cluster's multicluster gateway ("host:port") as peers reach it; null = none (flat mode only).</summary>
    public Names.Authority? MulticlusterGateway { get; init; }
    /// <summary>The SPIFFE id that gateway presents; required with <see cref="MulticlusterGateway"/>.</summary>
    public string? MulticlusterGatewayIdentity { get; init; }
    /// <summary>How long a federation watch may stay silent before the silo sends a heartbeat.</summary>
    public TimeSpan FederationHeartbeat { get; init; } = TimeSpan.FromSeconds(5);
    public string? FederationUrl => Federation is null ? null : "https" + ListenAddress.ToUrl(Federation)["http".Length..];

    public string StorageKind => Redis is not null ? "redis" : Ephemeral ? "memory" : "sqlite";
    public string AdminUrl => ListenAddress.ToUrl(Admin);
    /// <summary>Serve the control gRPC over mesh TLS with the silo's own identity (default). Off: plain h2c.</summary>
    public bool ControlTls { get; init; } = true;
    public string ControlUrl => ControlTls ? "https" + ListenAddress.ToUrl(Control)["http".Length..] : ListenAddress.ToUrl(Control);
    public string TokenPath => Path.Combine(DataDir, "admin-token");
    public string InfoPath => Path.Combine(DataDir, "silo.json");
    public string StatePath => Path.Combine(DataDir, "state.db");
    public string LockPath => Path.Combine(DataDir, "silo.lock");
}

/// <summary>A setting that cannot be used; the message says which one and how to fix it.</summary>
public sealed class SiloSettingsException(string message) : Exception(message);

/// <summary>Reads settings: command-line options win over environment variables, which win over defaults.</summary>
public static class SiloSettingsLoader
{
    public const string Usage = """
        usage: mesh-silo [options]     (each option also as an environment variable)
          --admin HOST:PORT        MESH_ADMIN_ADDR     admin API (HTTP/1.1), default 127.0.0.1:8085; port 0 = free port
          --control HOST:PORT      MESH_CONTROL_ADDR   control gRPC (HTTP/2), default 127.0.0.1:8086
          --data-dir DIR           MESH_DATA_DIR       admin token and silo.json, default ~/.mesh
          --redis HOST:PORT        MESH_REDIS          Redis clustering + storage (several silos form one cluster)
          --silo-port N            MESH_SILO_PORT      Orleans silo-to-silo port, default: a free port
          --gateway-port N         MESH_GATEWAY_PORT   Orleans client gateway port, default: a free port
          --advertise IP           MESH_ADVERTISE_ADDR address other silos reach this one at, default 127.0.0.1
          --cluster-id ID          MESH_CLUSTER_ID     default mesh
          --trust-domain NAME      MESH_TRUST_DOMAIN   default cluster.local
          --resync-seconds N       MESH_RESYNC_SECONDS discovery re-read period, default 30
          --log-level LEVEL        MESH_LOG_LEVEL      Trace|Debug|Information|Warning|Error, default Warning (logs go to stderr)
          --control-tls BOOL       MESH_CONTROL_TLS    control gRPC over mesh TLS with the silo's identity, default true
          --ephemeral              MESH_EPHEMERAL=true local mode: grain state in memory, lost at exit (default: <data-dir>/state.db)
          --kubernetes BOOL        MESH_KUBERNETES     Kubernetes mode: Certify checks ServiceAccount tokens by TokenReview, default false
          --kubeconfig PATH        MESH_KUBECONFIG     Kubernetes mode: kubeconfig of the API server, default: in-cluster config
          --kubernetes-timeout-ms N MESH_KUBERNETES_TIMEOUT_MS bound of each Kubernetes API call (TokenReview), default 5000
          --kubernetes-lease-ms N  MESH_KUBERNETES_LEASE_MS duration of the sync's Lease, default 15000 (POD_NAME, POD_NAMESPACE: its holder and namespace)
          --kubernetes-page-size N MESH_KUBERNETES_PAGE_SIZE page size of the sync's lists, default 500
          --injector HOST:PORT     MESH_INJECTOR_ADDR  Kubernetes mode: the proxy injector webhook (HTTPS), default 0.0.0.0:8443 when
                                   MESH_INJECTOR_CERT and MESH_INJECTOR_KEY (PEM files) are set; also MESH_INJECTOR_PROXY_IMAGE,
                                   MESH_INJECTOR_PROXY_VERSION, MESH_INJECTOR_CONTROL_ADDR (what injected proxies get)
          --federation HOST:PORT   MESH_FEDERATION_ADDR federation API for linked clusters' silos (mesh mTLS), default off (8087 is the usual port)
          --cluster-name NAME      MESH_CLUSTER_NAME   this cluster's name as links know it (required with --federation)
          --cluster-domain NAME    MESH_CLUSTER_DOMAIN DNS suffix of services, default cluster.local
          --multicluster-gateway HOST:PORT MESH_MULTICLUSTER_GATEWAY this cluster's gateway as peers reach it, default none
          --multicluster-gateway-identity ID MESH_MULTICLUSTER_GATEWAY_IDENTITY the SPIFFE id that gateway presents
          --federation-heartbeat-ms N MESH_FEDERATION_HEARTBEAT_MS heartbeat of a quiet federation watch, default 5000
        Kubernetes mode with --redis runs Orleans' Kubernetes hosting and needs, from the downward API: POD_NAME (the silo's
        name), POD_NAMESPACE (the default cluster id), POD_IP (the address other silos reach it at).
        """;

    private static readonly Dictionary<string, string> OptionToEnv = new()
    {
        ["--admin"] = "MESH_ADMIN_ADDR", ["--control"] = "MESH_CONTROL_ADDR", ["--data-dir"] = "MESH_DATA_DIR",
        ["--redis"] = "MESH_REDIS", ["--silo-port"] = "MESH_SILO_PORT", ["--gateway-port"] = "MESH_GATEWAY_PORT",
        ["--advertise"] = "MESH_ADVERTISE_ADDR", ["--cluster-id"] = "MESH_CLUSTER_ID", ["--trust-domain"] = "MESH_TRUST_DOMAIN",
        ["--resync-seconds"] = "MESH_RESYNC_SECONDS", ["--log-level"] = "MESH_LOG_LEVEL",
        ["--control-tls"] = "MESH_CONTROL_TLS", ["--ephemeral"] = "MESH_EPHEMERAL",
        ["--kubernetes"] = "MESH_KUBERNETES", ["--kubeconfig"] = "MESH_KUBECONFIG", ["--kubernetes-timeout-ms"] = "MESH_KUBERNETES_TIMEOUT_MS",
        ["--kubernetes-lease-ms"] = "MESH_KUBERNETES_LEASE_MS", ["--kubernetes-page-size"] = "MESH_KUBERNETES_PAGE_SIZE",
        ["--injector"] = "MESH_INJECTOR_ADDR",
        ["--federation"] = "MESH_FEDERATION_ADDR", ["--cluster-name"] = "MESH_CLUSTER_NAME", ["--cluster-domain"] = "MESH_CLUSTER_DOMAIN",
        ["--multicluster-gateway"] = "MESH_MULTICLUSTER_GATEWAY", ["--multicluster-gateway-identity"] = "MESH_MULTICLUSTER_GATEWAY_IDENTITY",
        ["--federation-heartbeat-ms"] = "MESH_FEDERATION_HEARTBEAT_MS",
    };

    /// <summary>Options that are switches: given alone they mean "true".</summary>
    private static readonly HashSet<string> Switches = ["--ephemeral"];

    public static SiloSettings Load(IReadOnlyList<string> args, IDictionary environment)
    {
        var values = new Dictionary<string, string>();
        foreach (DictionaryEntry e in environment)
            if (e.Key is string k && k.StartsWith("MESH_", StringComparison.Ordinal) && e.Value is string v && v.Length > 0)
                values[k] = v;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (eq > 0) { inline = arg[(eq + 1)..]; arg = arg[..eq]; }
            if (!OptionToEnv.TryGetValue(arg, out var env))
                throw new SiloSettingsException($"unknown option '{args[i]}'\n{Usage}");
            var value = inline ?? (Switches.Contains(arg) ? "true"
                : i + 1 < args.Count ? args[++i] : throw new SiloSettingsException($"option {arg} needs a value\n{Usage}"));
            values[env] = value;
        }
        string? Get(string env) => values.GetValueOrDefault(env);

        var admin = Endpoint(Get("MESH_ADMIN_ADDR") ?? "127.0.0.1:8085", "MESH_ADMIN_ADDR");
        var control = Endpoint(Get("MESH_CONTROL_ADDR") ?? "127.0.0.1:8086", "MESH_CONTROL_ADDR");
        if (admin.Port != 0 && admin.Port == control.Port)
            throw new SiloSettingsException($"MESH_ADMIN_ADDR and MESH_CONTROL_ADDR both use port {admin.Port}; give them different ports (or 0 for free ports)");

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var dataDir = Get("MESH_DATA_DIR") ?? Path.Combine(string.IsNullOrEmpty(home) ? "." : home, ".mesh");
        if (dataDir.StartsWith("~/", StringComparison.Ordinal)) dataDir = Path.Combine(home, dataDir[2..]);

        var redis = Get("MESH_REDIS");
        if (redis is not null && (redis.LastIndexOf(':') is var c && (c <= 0 || !int.TryParse(redis[(c + 1)..], out _))))
            throw new SiloSettingsException($"MESH_REDIS='{redis}' is not host:port (example: MESH_REDIS=127.0.0.1:6379)");

        var advertised = IPAddress.Loopback;
        if (Get("MESH_ADVERTISE_ADDR") is { } adv && !IPAddress.TryParse(adv, out advertised!))
            throw new SiloSettingsException($"MESH_ADVERTISE_ADDR='{adv}' is not an IP address (example: 10.0.0.5)");

        var siloPort = Port(Get("MESH_SILO_PORT"), "MESH_SILO_PORT");
        var gatewayPort = Port(Get("MESH_GATEWAY_PORT"), "MESH_GATEWAY_PORT", exclude: siloPort);

        var resync = 30;
        if (Get("MESH_RESYNC_SECONDS") is { } rs && (!int.TryParse(rs, out resync) || resync < 1))
            throw new SiloSettingsException($"MESH_RESYNC_SECONDS='{rs}' must be a whole number of seconds ≥ 1");

        var logLevel = Microsoft.Extensions.Logging.LogLevel.Warning;
        var controlTls = true;
        if (Get("MESH_CONTROL_TLS") is { } ct && !bool.TryParse(ct, out controlTls))
            throw new SiloSettingsException($"MESH_CONTROL_TLS='{ct}' must be true or false");

        var ephemeral = false;
        if (Get("MESH_EPHEMERAL") is { } ep && !bool.TryParse(ep, out ephemeral))
            throw new SiloSettingsException($"MESH_EPHEMERAL='{ep}' must be true or false");
        if (ephemeral && redis is not null)
            throw new SiloSettingsException("--ephemeral (MESH_EPHEMERAL) is for a local silo; with --redis (MESH_REDIS) the state is in Redis: drop one of them");

        var kubernetes = false;
        if (Get("MESH_KUBERNETES") is { } kb && !bool.TryParse(kb, out kubernetes))
            throw new SiloSettingsException($"MESH_KUBERNETES='{kb}' must be true or false");
        var kubeconfig = Get("MESH_KUBECONFIG");
        if (kubeconfig is not null && !kubernetes)
            throw new SiloSettingsException("--kubeconfig (MESH_KUBECONFIG) is for Kubernetes mode: add --kubernetes true (MESH_KUBERNETES=true) or drop it");
        if (kubeconfig is not null && !File.Exists(kubeconfig))
            throw new SiloSettingsException($"MESH_KUBECONFIG='{kubeconfig}': no such file (unset it to use the pod's in-cluster config)");
        var kubeTimeoutMs = 5000;
        if (Get("MESH_KUBERNETES_TIMEOUT_MS") is { } kt && (!int.TryParse(kt, out kubeTimeoutMs) || kubeTimeoutMs < 1))
            throw new SiloSettingsException($"MESH_KUBERNETES_TIMEOUT_MS='{kt}' must be a whole number of milliseconds ≥ 1");
        var leaseMs = 15000;
        if (Get("MESH_KUBERNETES_LEASE_MS") is { } lm && (!int.TryParse(lm, out leaseMs) || leaseMs < 100))
            throw new SiloSettingsException($"MESH_KUBERNETES_LEASE_MS='{lm}' must be a whole number of milliseconds ≥ 100");
        var pageSize = 500;
        if (Get("MESH_KUBERNETES_PAGE_SIZE") is { } ps && (!int.TryParse(ps, out pageSize) || pageSize < 1))
            throw new SiloSettingsException($"MESH_KUBERNETES_PAGE_SIZE='{ps}' must be a whole number ≥ 1");
        string? Env(string name) => environment[name] is string { Length: > 0 } v ? v : null;
        var clusterId = Get("MESH_CLUSTER_ID");
        if (kubernetes && redis is not null)
        {
            var pod = KubernetesPod.Load(Env, Get("MESH_ADVERTISE_ADDR"));
            advertised = pod.Ip;
            clusterId ??= pod.Namespace;
        }

        if (Get("MESH_LOG_LEVEL") is { } ll && !Enum.TryParse(ll, ignoreCase: true, out logLevel))
            throw new SiloSettingsException($"MESH_LOG_LEVEL='{ll}' must be one of Trace, Debug, Information, Warning, Error");

        var adminFinal = ListenAddress.ResolveFreePort(admin);
        var controlFinal = ListenAddress.ResolveFreePort(control);
        while (controlFinal.Port == adminFinal.Port) controlFinal = ListenAddress.ResolveFreePort(control);
        var multicluster = FederationSettings.Load(Get, adminFinal.Port, controlFinal.Port);

        return new SiloSettings
        {
            Admin = adminFinal,
            Control = controlFinal,
            DataDir = Path.GetFullPath(dataDir),
            Redis = redis,
            SiloPort = siloPort,
            GatewayPort = gatewayPort,
            AdvertisedAddress = advertised,
            ClusterId = clusterId ?? "mesh",
            TrustDomain = Get("MESH_TRUST_DOMAIN") ?? Abstractions.MeshNames.DefaultTrustDomain,
            ResyncPeriod = TimeSpan.FromSeconds(resync),
            LogLevel = logLevel,
            ControlTls = controlTls,
            Ephemeral = ephemeral,
            Kubernetes = kubernetes,
            Kubeconfig = kubeconfig is null ? null : Path.GetFullPath(kubeconfig),
            KubernetesTimeout = TimeSpan.FromMilliseconds(kubeTimeoutMs),
            KubernetesLease = TimeSpan.FromMilliseconds(leaseMs),
            KubernetesPageSize = pageSize,
            KubernetesPodName = Env("POD_NAME"),
            KubernetesPodNamespace = Env("POD_NAMESPACE"),
            Injector = Kubernetes.Injector.InjectorSettings.Load(Get, kubernetes, Env("POD_NAMESPACE"), controlFinal.Port, adminFinal.Port),
            Federation = multicluster.Federation,
            ClusterName = multicluster.ClusterName,
            ClusterDomain = multicluster.ClusterDomain,
            MulticlusterGateway = multicluster.Gateway,
            MulticlusterGatewayIdentity = multicluster.GatewayIdentity,
            FederationHeartbeat = multicluster.Heartbeat,
        };
    }

    private static IPEndPoint Endpoint(string text, string env) =>
        ListenAddress.TryParse(text, out var ep, out var error) ? ep : throw new SiloSettingsException($"{env}: {error}");

    /// <summary>An explicit port is used as given; unset or 0 = a free port, so several silos on one host never collide
    /// (nothing outside the cluster dials Orleans' own ports: proxies and the CLI use the control and admin listeners).</summary>
    private static int Port(string? text, string env, int exclude = -1)
    {
        if (text is not null)
        {
            if (!int.TryParse(text, out var p) || p is < 0 or > 65535)
                throw new SiloSettingsException($"{env}='{text}' must be a port number 0..65535 (0 picks a free port)");
            if (p != 0) return p;
        }
        int port;
        do port = ListenAddress.FreePort(IPAddress.Loopback); while (port == exclude);
        return port;
    }
}
