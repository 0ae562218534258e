namespace Mesh.Bench.ControlPlane;

/// <summary>The resources the benchmark applies.</summary>
internal static class Yaml
{
    public static string Service(string name) => $"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
        spec:
          selector:
            app: {name}
          ports:
            - name: http
              port: 8080
              targetPort: 7001
        """;

    public static string Workload(string name, string address, string app) => $"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: {name}
          labels:
            app: {app}
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
