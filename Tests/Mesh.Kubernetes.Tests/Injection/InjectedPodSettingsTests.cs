using System.Collections;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Injection;
using Mesh.Names;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Init;

namespace Mesh.Kubernetes.Tests.Injection;

/// <summary>What the injector writes is what the proxy reads: the injected containers' args and env (downward-API
/// values filled in, `$(VAR)` expanded as the kubelet does) go through mesh-proxy's own <see cref="SettingsParser"/>,
/// and the init container's settings through <see cref="IptablesInit.WriteCommands"/>.</summary>
public sealed partial class InjectedPodSettingsTests
{
    private static JsonObject Injected(string annotations)
    {
        var pod = JsonNode.Parse("""
            {"metadata":{"name":"web-7d9f"},"spec":{"serviceAccountName":"web","containers":[{"name":"web","image":"web:1"}]}}
            """)!.AsObject();
        pod["metadata"]!["annotations"] = JsonNode.Parse(annotations);
        var r = PodInjector.Inject(pod, new PodContext("shop", new Dictionary<string, string> { [KubernetesObjects.InjectAnnotation] = "enabled" }), InjectionGoldenTests.Settings);
        Assert.Equal(InjectionOutcome.Injected, r.Outcome);
        return r.Pod;
    }

    /// <summary>The container's environment as the kubelet builds it for this pod.</summary>
    private static Hashtable Environment(JsonNode container)
    {
        var downward = new Dictionary<string, string> { ["metadata.name"] = "web-7d9f", ["metadata.namespace"] = "shop", ["status.podIP"] = "10.1.2.3", ["spec.serviceAccountName"] = "web" };
        var env = new Hashtable();
        foreach (var e in container["env"]!.AsArray())
        {
            var value = e!["valueFrom"] is { } from ? downward[(string)from["fieldRef"]!["fieldPath"]!] : (string)e["value"]!;
            env[(string)e["name"]!] = VarReference().Replace(value, m => (string?)env[m.Groups[1].Value] ?? m.Value);
        }
        return env;
    }

    private static string[] Args(JsonNode container) => [.. container["args"]!.AsArray().Select(a => (string)a!)];

    /// <summary>A cluster with its own trust domain (a linked cluster, west.mesh): the injected proxy's identity and the
    /// silo identity it expects are in it; the default trust domain writes no variable at all.</summary>
    [Fact]
    public void ProxyContainer_SiloWithItsOwnTrustDomain_ProxyIdentityIsInIt()
    {
        var pod = JsonNode.Parse("""
            {"metadata":{"name":"web-7d9f"},"spec":{"serviceAccountName":"web","containers":[{"name":"web","image":"web:1"}]}}
            """)!.AsObject();
        var settings = InjectionGoldenTests.Settings with { TrustDomain = "west.mesh" };
        var r = PodInjector.Inject(pod, new PodContext("shop", new Dictionary<string, string> { [KubernetesObjects.InjectAnnotation] = "enabled" }), settings);
        var proxy = r.Pod["spec"]!["initContainers"]![1]!;

        Assert.Equal("spiffe://west.mesh/ns/shop/sa/web", SettingsParser.Parse(Args(proxy), Environment(proxy)).Identity);
        Assert.DoesNotContain("MESH_PROXY_TRUST_DOMAIN", Injected("{}")["spec"]!["initContainers"]![1]!["env"]!.ToJsonString());
    }

    [Fact]
    public void ProxyContainer_ParsedByTheProxy_IsThePodsWorkloadIdentityAndTransparentListeners()
    {
        var proxy = Injected("""{"config.mesh.io/opaque-ports":"3306,6379-6380","config.mesh.io/proxy-log-level":"debug"}""")["spec"]!["initContainers"]![1]!;

        var s = SettingsParser.Parse(Args(proxy), Environment(proxy));

        Assert.Equal(ProxyMode.Sidecar, s.Mode);
        Assert.Equal(("shop", "web-7d9f", "web"), (s.Namespace, s.Workload, s.ServiceAccount));
        Assert.Equal("spiffe://cluster.local/ns/shop/sa/web", s.Identity);
        Assert.True(s.Transparent);
        Assert.Equal(KubernetesObjects.ProxyTokenPath, s.TokenFile);
        Assert.Equal(KubernetesObjects.ProxyTrustAnchorsPath, s.TrustAnchorsPath);
        Assert.Equal(new Uri("https://mesh-control.mesh.svc.cluster.local:8086"), s.ControlAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, KubernetesObjects.ProxyInboundPort), s.InboundAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, KubernetesObjects.ProxyOutboundPort), s.OutboundAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, KubernetesObjects.ProxyAdminPort), s.AdminAddress);
        Assert.Equal(Microsoft.Extensions.Logging.LogLevel.Debug, s.LogLevel);
        Assert.Equal([3306, 6379, 6380], s.OpaquePorts.Order());
        // The probes and the mounts point where the proxy listens and reads.
        Assert.Equal(s.AdminAddress.Port, (int)proxy["readinessProbe"]!["httpGet"]!["port"]!);
        var mounts = proxy["volumeMounts"]!.AsArray().Select(m => (string)m!["mountPath"]!).ToList();
        Assert.Contains(Path.GetDirectoryName(s.TokenFile), mounts);
        Assert.Contains(Path.GetDirectoryName(s.TrustAnchorsPath), mounts);
    }

    [Fact]
    public void InitContainer_ParsedByTheProxy_RedirectsToTheProxysPortsAndExemptsItsUid()
    {
        var pod = Injected("""{"config.mesh.io/proxy-inbound-port":"5143","config.mesh.io/skip-outbound-ports":"25","config.mesh.io/skip-inbound-ports":"9100"}""");
        var init = pod["spec"]!["initContainers"]![0]!;
        var proxy = SettingsParser.Parse(Args(pod["spec"]!["initContainers"]![1]!), Environment(pod["spec"]!["initContainers"]![1]!));

        var s = SettingsParser.Parse(Args(init), new Hashtable());
        var rules = IptablesInit.WriteCommands(s).Select(c => string.Join(' ', c.Args)).ToList();

        Assert.Equal(ProxyMode.Init, s.Mode);
        Assert.Equal((int)pod["spec"]!["initContainers"]![1]!["securityContext"]!["runAsUser"]!, s.ProxyUid);
        Assert.Contains($"-t nat -A MESH_PROXY_OUTPUT -m owner --uid-owner {s.ProxyUid} -j RETURN", rules);
        Assert.Contains($"-t nat -A MESH_PROXY_INBOUND -p tcp -j REDIRECT --to-ports {proxy.InboundAddress.Port}", rules);
        Assert.Contains($"-t nat -A MESH_PROXY_OUTPUT -p tcp -j REDIRECT --to-ports {proxy.OutboundAddress.Port}", rules);
        Assert.Contains($"-t nat -A MESH_PROXY_INBOUND -p tcp --dport {proxy.AdminAddress.Port} -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_INBOUND -p tcp --dport 9100 -j RETURN", rules);
        Assert.Contains("-t nat -A MESH_PROXY_OUTPUT -p tcp --dport 25 -j RETURN", rules);
        Assert.Equal(5143, proxy.InboundAddress.Port);
    }

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex VarReference();
}
