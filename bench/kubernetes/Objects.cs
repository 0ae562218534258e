namespace Mesh.Bench.Kubernetes;

/// <summary>What the benchmark creates: the same Service and endpoints as Kubernetes objects (for the fake API server)
/// and as `mesh apply` documents (for the local-mode silo). A pod translates to the Workload written here.</summary>
internal static class Objects
{
    public const string Namespace = "shop";
    public const string Authority = "books.shop.svc.cluster.local:8080";
    public const int Port = 7001;

    /// <summary>The i-th address of a block: 10.&lt;block&gt;.x.y, 250 per /24.</summary>
    public static string Address(int block, int i) => $"10.{block}.{i / 250}.{i % 250 + 1}";

    public static string KubeService => """
        {"metadata":{"name":"books","namespace":"shop"},
         "spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080,"targetPort":7001}]}}
        """;

    /// <summary>A meshed pod: the proxy injected as a native sidecar, ServiceAccount books.</summary>
    public static string KubePod(string name, string ns = Namespace) => $$$"""
        {"metadata":{"name":"{{{name}}}","namespace":"{{{ns}}}","labels":{"app":"books"}},
         "spec":{"serviceAccountName":"books",
           "initContainers":[{"name":"mesh-proxy","image":"mesh-proxy","restartPolicy":"Always"}],
           "containers":[{"name":"app","image":"books","ports":[{"name":"http","containerPort":{{{Port}}}}]}]}}
        """;

    /// <summary>Running, Ready, with its IP: what a kubelet reports once the pod is up.</summary>
    public static string KubePodStatus(string ip) => $$$"""
        {"status":{"phase":"Running","podIP":"{{{ip}}}","podIPs":[{"ip":"{{{ip}}}"}],"conditions":[{"type":"Ready","status":"True"}]}}
        """;

    public static string ApplyService => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: books
          namespace: shop
        spec:
          selector:
            app: books
          ports:
            - name: http
              port: 8080
              targetPort: {Port}
        """;

    public static string ApplyWorkload(string name, string ip) => $"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: {name}
          namespace: shop
          labels:
            app: books
        spec:
          serviceAccount: books
          addresses: [{ip}]
          ports:
            - name: http
              port: {Port}
          proxy: {"{}"}
        """;
}
