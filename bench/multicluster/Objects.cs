namespace Mesh.Bench.Multicluster;

/// <summary>What the benchmark applies: west's exported Services (svc-i, each with one Workload, so each mirror has
/// the gateway endpoint), east's local Service (the baseline), the allow-list entry and the Link.</summary>
internal static class Objects
{
    public const string Namespace = "bench";
    public const string WestDomain = "west.mesh", EastDomain = "east.mesh";
    public const string EastSilo = "spiffe://east.mesh/ns/mesh/sa/silo", WestSilo = "spiffe://west.mesh/ns/mesh/sa/silo";
    public const string GatewayIdentity = "spiffe://west.mesh/ns/mesh/sa/gateway";
    public const string LocalService = "local";
    /// <summary>The gateway hop phase (<see cref="HopBench"/>): west's exported hop, east's hop-local, east's caller.</summary>
    public const string HopService = "hop", HopLocal = "hop-local", HopClient = "hop-client";

    /// <summary>The mirror east's watchers follow: west's svc-0 as east names it.</summary>
    public const string MirrorAuthority = $"svc-0-west.{Namespace}.svc.cluster.local:8080";
    public const string LocalAuthority = $"{LocalService}.{Namespace}.svc.cluster.local:8080";
    /// <summary>svc-0 as west's own proxies name it.</summary>
    public const string WestAuthority = $"svc-0.{Namespace}.svc.cluster.local:8080";

    public static string Exported(int i) => $"svc-{i}";
    public static string Mirror(int i) => $"svc-{i}-west";

    /// <summary>The i-th address of a block: 10.&lt;block&gt;.x.y, 250 per /24.</summary>
    public static string Address(int block, int i) => $"10.{block}.{i / 250}.{i % 250 + 1}";

    public static string Service(string name, string labels) => $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}, namespace: {{Namespace}}, labels: { {{labels}} } }
        spec:
          selector: {app: {{name}} }
          ports: [{name: http, port: 8080, targetPort: http}]
        """;

    public static string Workload(string app, string address) => $$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: {{app}}-1, namespace: {{Namespace}}, labels: {app: {{app}} } }
        spec:
          serviceAccount: {{app}}
          addresses: [{{address}}]
          ports: [{name: http, port: 9090}]
          proxy: {inboundPort: 4143}
        """;

    /// <summary>A Workload &lt;app&gt;-1 that is really there: the app on 127.0.0.1:<paramref name="appPort"/> behind a
    /// sidecar whose inbound and admin ports are these.</summary>
    public static string MeshedWorkload(string app, int appPort, int inboundPort, int adminPort) => $$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: {{app}}-1, namespace: {{Namespace}}, labels: {app: {{app}} } }
        spec:
          serviceAccount: {{app}}
          addresses: [127.0.0.1]
          ports: [{name: http, port: {{appPort}} }]
          proxy: {inboundPort: {{inboundPort}}, adminPort: {{adminPort}} }
        """;

    /// <summary>West's i-th exported Service (gateway mode) with its one Workload.</summary>
    public static string ExportedWithWorkload(int i) =>
        Service(Exported(i), "mirror.mesh.io/exported: \"true\"") + "\n---\n" + Workload(Exported(i), Address(1, i));

    public static string AllowEast => $$"""
        apiVersion: multicluster.mesh.io/v1alpha1
        kind: FederationPeer
        metadata: {name: east, namespace: mesh}
        spec: {identity: "{{EastSilo}}"}
        """;

    /// <summary>East's Link to west. A gateway runs only during the gateway hop phase (the rest measures the control
    /// plane), so the probe is set to fail at most once per minute and to need 100 failures: the missing gateway never
    /// marks the mirrors not ready within a run.</summary>
    public static string Link(string federationAddress, int gatewayPort) => $$"""
        apiVersion: multicluster.mesh.io/v1alpha1
        kind: Link
        metadata: {name: west, namespace: mesh}
        spec:
          targetClusterName: west
          federationAddress: "{{federationAddress}}"
          federationIdentity: "{{WestSilo}}"
          gatewayAddress: 127.0.0.1
          gatewayPort: {{gatewayPort}}
          gatewayIdentity: "{{GatewayIdentity}}"
          probeSpec: {period: 60s, timeout: 2s, failureThreshold: 100}
        """;
}
