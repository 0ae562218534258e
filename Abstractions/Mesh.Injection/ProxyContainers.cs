using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Names;

namespace Mesh.Injection;

/// <summary>The containers and volumes an injected pod gets, built from its <see cref="ProxyConfig"/>: the `mesh-init`
/// init container (`mesh-proxy init`: the iptables redirect, the only one with NET_ADMIN/NET_RAW), the `mesh-proxy`
/// container (probes on the admin port, the projected token, the trust bundle, read-only root, a fixed non-root uid),
/// and their volumes.</summary>
internal static class ProxyContainers
{
    public const string TokenVolume = "mesh-identity-token";
    public const string TrustVolume = "mesh-trust-anchors";
    /// <summary>iptables takes its lock under /run (xtables.lock); with a read-only root that must be an emptyDir.</summary>
    public const string InitRunVolume = "mesh-init-run";
    public static readonly IReadOnlyList<string> Volumes = [TokenVolume, TrustVolume, InitRunVolume];

    /// <summary>A day, renewed by the kubelet at 80 % of its life; the proxy re-reads the file before each Certify.</summary>
    private const int TokenSeconds = 86400;

    public static JsonObject Init(ProxyConfig c)
    {
        var args = new JsonArray("init",
            "--proxy-uid", Str(c.ProxyUid),
            "--inbound-addr", $"0.0.0.0:{c.InboundPort}",
            "--outbound-addr", $"127.0.0.1:{c.OutboundPort}",
            "--admin-addr", $"0.0.0.0:{c.AdminPort}");
        if (c.SkipInboundPorts is { } sip) { args.Add("--skip-inbound-ports"); args.Add(sip); }
        if (c.SkipOutboundPorts is { } sop) { args.Add("--skip-outbound-ports"); args.Add(sop); }
        if (c.SkipSubnets is { } ss) { args.Add("--skip-subnets"); args.Add(ss); }
        return new JsonObject
        {
            ["name"] = KubernetesObjects.InitContainer,
            ["image"] = $"{c.Image}:{c.Version}",
            ["imagePullPolicy"] = "IfNotPresent",
            ["args"] = args,
            ["resources"] = new JsonObject
            {
                ["requests"] = new JsonObject { ["cpu"] = "10m", ["memory"] = "16Mi" },
                ["limits"] = new JsonObject { ["cpu"] = "100m", ["memory"] = "64Mi" },
            },
            // iptables needs root and these two capabilities, for the second it runs; nothing else in the pod gets them.
            ["securityContext"] = new JsonObject
            {
                ["runAsUser"] = 0,
                ["runAsNonRoot"] = false,
                ["allowPrivilegeEscalation"] = false,
                ["readOnlyRootFilesystem"] = true,
                ["privileged"] = false,
                ["capabilities"] = new JsonObject { ["add"] = new JsonArray("NET_ADMIN", "NET_RAW"), ["drop"] = new JsonArray("ALL") },
                ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
            },
            ["volumeMounts"] = new JsonArray(new JsonObject { ["name"] = InitRunVolume, ["mountPath"] = "/run" }),
        };
    }

    public static JsonObject Proxy(ProxyConfig c)
    {
        var env = new JsonArray(
            FieldEnv("POD_NAME", "metadata.name"),
            FieldEnv("POD_NAMESPACE", "metadata.namespace"),
            FieldEnv("POD_IP", "status.podIP"),
            FieldEnv("POD_SERVICE_ACCOUNT", "spec.serviceAccountName"),
            Env("MESH_PROXY_WORKLOAD", "$(POD_NAME)"),
            Env("MESH_PROXY_NAMESPACE", "$(POD_NAMESPACE)"),
            Env("MESH_PROXY_SERVICE_ACCOUNT", "$(POD_SERVICE_ACCOUNT)"),
            Env("MESH_CONTROL_ADDR", c.ControlAddress),
            Env("MESH_PROXY_TOKEN_FILE", KubernetesObjects.ProxyTokenPath),
            Env("MESH_PROXY_TRUST_ANCHORS", KubernetesObjects.ProxyTrustAnchorsPath),
            Env("MESH_PROXY_TRANSPARENT", "true"),
            Env("MESH_PROXY_INBOUND_ADDR", $"0.0.0.0:{c.InboundPort}"),
            Env("MESH_PROXY_OUTBOUND_ADDR", $"127.0.0.1:{c.OutboundPort}"),
            // The kubelet probes the pod IP; /shutdown still answers loopback callers only.
            Env("MESH_PROXY_ADMIN_ADDR", $"0.0.0.0:{c.AdminPort}"),
            Env("MESH_PROXY_LOG_LEVEL", c.LogLevel));
        if (c.OpaquePorts is { } op) env.Add(Env("MESH_PROXY_OPAQUE_PORTS", op));
        if (c.TrustDomain != SpiffeId.DefaultTrustDomain) env.Add(Env("MESH_PROXY_TRUST_DOMAIN", c.TrustDomain));
        // An ingress controller's clients come from outside the mesh: its inbound stays open to them unless told otherwise.
        var policy = c.DefaultInboundPolicy ?? (c.Mode == InjectMode.Ingress ? "all-unauthenticated" : null);
        if (policy is not null) env.Add(Env("MESH_PROXY_DEFAULT_INBOUND_POLICY", policy));

        var proxy = new JsonObject
        {
            ["name"] = KubernetesObjects.ProxyContainer,
            ["image"] = $"{c.Image}:{c.Version}",
            ["imagePullPolicy"] = "IfNotPresent",
            ["args"] = new JsonArray("sidecar"),
        };
        if (c.NativeSidecar) proxy["restartPolicy"] = "Always";
        proxy["ports"] = new JsonArray(
            new JsonObject { ["name"] = "mesh-inbound", ["containerPort"] = c.InboundPort, ["protocol"] = "TCP" },
            new JsonObject { ["name"] = "mesh-admin", ["containerPort"] = c.AdminPort, ["protocol"] = "TCP" });
        proxy["env"] = env;
        // Startup: the next container starts once the proxy has its certificate and its policy (/ready), within 2 min.
        proxy["startupProbe"] = Probe("/ready", c.AdminPort, period: 1, failures: 120);
        proxy["readinessProbe"] = Probe("/ready", c.AdminPort, period: 5, failures: 3);
        proxy["livenessProbe"] = Probe("/live", c.AdminPort, period: 10, failures: 3);
        if (Resources(c) is { } resources) proxy["resources"] = resources;
        proxy["securityContext"] = new JsonObject
        {
            ["runAsUser"] = c.ProxyUid,
            ["runAsGroup"] = c.ProxyUid,
            ["runAsNonRoot"] = true,
            ["allowPrivilegeEscalation"] = false,
            ["readOnlyRootFilesystem"] = true,
            ["privileged"] = false,
            ["capabilities"] = new JsonObject { ["drop"] = new JsonArray("ALL") },
            ["seccompProfile"] = new JsonObject { ["type"] = "RuntimeDefault" },
        };
        proxy["volumeMounts"] = new JsonArray(
            new JsonObject { ["name"] = TokenVolume, ["mountPath"] = Path.GetDirectoryName(KubernetesObjects.ProxyTokenPath), ["readOnly"] = true },
            new JsonObject { ["name"] = TrustVolume, ["mountPath"] = Path.GetDirectoryName(KubernetesObjects.ProxyTrustAnchorsPath), ["readOnly"] = true });
        return proxy;
    }

    public static IEnumerable<JsonObject> PodVolumes()
    {
        yield return new JsonObject
        {
            ["name"] = TokenVolume,
            ["projected"] = new JsonObject
            {
                ["sources"] = new JsonArray(new JsonObject
                {
                    ["serviceAccountToken"] = new JsonObject
                    {
                        ["audience"] = KubernetesObjects.TokenAudience,
                        ["expirationSeconds"] = TokenSeconds,
                        ["path"] = Path.GetFileName(KubernetesObjects.ProxyTokenPath),
                    },
                }),
            },
        };
        // The trust bundle is a ConfigMap in the pod's own namespace (a volume cannot name another namespace's).
        yield return new JsonObject
        {
            ["name"] = TrustVolume,
            ["configMap"] = new JsonObject
            {
                ["name"] = KubernetesObjects.TrustBundleConfigMap,
                ["items"] = new JsonArray(new JsonObject { ["key"] = Path.GetFileName(KubernetesObjects.ProxyTrustAnchorsPath), ["path"] = Path.GetFileName(KubernetesObjects.ProxyTrustAnchorsPath) }),
            },
        };
        yield return new JsonObject { ["name"] = InitRunVolume, ["emptyDir"] = new JsonObject { ["medium"] = "Memory", ["sizeLimit"] = "1Mi" } };
    }

    private static JsonObject? Resources(ProxyConfig c)
    {
        JsonObject? Pair(string? cpu, string? memory)
        {
            if (cpu is null && memory is null) return null;
            var o = new JsonObject();
            if (cpu is not null) o["cpu"] = cpu;
            if (memory is not null) o["memory"] = memory;
            return o;
        }
        var requests = Pair(c.CpuRequest, c.MemoryRequest);
        var limits = Pair(c.CpuLimit, c.MemoryLimit);
        if (requests is null && limits is null) return null;
        var r = new JsonObject();
        if (requests is not null) r["requests"] = requests;
        if (limits is not null) r["limits"] = limits;
        return r;
    }

    private static JsonObject Probe(string path, int port, int period, int failures) => new()
    {
        ["httpGet"] = new JsonObject { ["path"] = path, ["port"] = port },
        ["periodSeconds"] = period,
        ["failureThreshold"] = failures,
        ["timeoutSeconds"] = 1,
    };

    private static JsonObject Env(string name, string value) => new() { ["name"] = name, ["value"] = value };

    private static JsonObject FieldEnv(string name, string field) => new()
    {
        ["name"] = name,
        ["valueFrom"] = new JsonObject { ["fieldRef"] = new JsonObject { ["fieldPath"] = field } },
    };

    private static string Str(int n) => n.ToString(CultureInfo.InvariantCulture);
}
