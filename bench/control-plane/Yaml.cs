namespace Mesh.Bench.ControlPlane;

/// <summary>The resources the benchmark applies.</summary>
internal static class Yaml
{
    public const string Service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: books
        spec:
          selector:
            app: books
          ports:
            - name: http
              port: 8080
              targetPort: 7001
        """;

    public static string Workload(string name, string address) => $"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: {name}
          labels:
            app: books
        spec:
          serviceAccount: books
          addresses: [{address}]
          ports:
            - name: http
              port: 7001
          proxy:
            inboundPort: 4143
            adminPort: 4191
        """;
}
