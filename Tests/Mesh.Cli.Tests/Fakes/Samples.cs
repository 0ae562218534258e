namespace Mesh.Cli.Tests.Fakes;

/// <summary>Canned resources in the admin API's JSON shape (the books example of issue 2).</summary>
internal static class Samples
{
    public const string BooksService = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"books","namespace":"default","labels":{"team":"shelf"},"annotations":{}},
         "spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080,"targetPort":7001,"appProtocol":"http"}]}}
        """;

    public const string AuthorsService = """
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"authors","namespace":"store"},
         "spec":{"selector":{"app":"authors","tier":"backend"},"ports":[{"port":9090,"targetPort":"grpc"}]}}
        """;

    public const string BooksWorkload1 = """
        {"apiVersion":"mesh.io/v1alpha1","kind":"Workload","metadata":{"name":"books-1","namespace":"default","labels":{"app":"books"}},
         "spec":{"serviceAccount":"books","addresses":["127.0.0.11"],"ports":[{"name":"http","port":7001}],"proxy":{"inboundPort":4143,"adminPort":4191},"zone":"a","weight":1},
         "status":{"ready":true}}
        """;

    public const string BooksWorkload2 = """
        {"apiVersion":"mesh.io/v1alpha1","kind":"Workload","metadata":{"name":"books-2","namespace":"default","labels":{"app":"books"}},
         "spec":{"serviceAccount":"books","addresses":["127.0.0.12"],"ports":[{"name":"http","port":7001}]},
         "status":{"ready":false}}
        """;

    public const string BooksSplit = """
        {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"books-split","namespace":"default"},
         "spec":{"parentRefs":[{"group":"","kind":"Service","name":"books","port":8080}],
                 "rules":[{"backendRefs":[{"name":"books-v1","port":8080,"weight":90},{"name":"books-v2","port":8080,"weight":10}]}]}}
        """;

    public static string List(params string[] items) => $$"""{"items":[{{string.Join(",", items)}}]}""";

    public const string BooksYaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: books
        spec:
          selector:
            app: books
          ports:
          - port: 8080
            targetPort: 7001
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: books-1
          labels:
            app: books
        spec:
          addresses: ["127.0.0.11"]
          ports:
          - name: http
            port: 7001
        """;
}
