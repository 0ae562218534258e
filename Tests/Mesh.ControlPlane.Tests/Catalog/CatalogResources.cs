using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;

namespace Mesh.ControlPlane.Tests.Catalog;

/// <summary>Catalog resources for grain tests, parsed from YAML the way the admin API parses an apply.</summary>
internal static class CatalogResources
{
    public static StoredResource Service(string ns, string name, int port = 8080) => Parse(ns, $$"""
        apiVersion: v1
        kind: Service
        metadata: {name: {{name}}}
        spec:
          selector: {app: {{name}}}
          ports: [{name: http, port: {{port}}, targetPort: 7001}]
        """);

    public static StoredResource Workload(string ns, string name, string app, string address) => Parse(ns, $$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata:
          name: {{name}}
          labels: {app: {{app}}}
        spec:
          serviceAccount: {{app}}
          addresses: [{{address}}]
          ports: [{name: http, port: 7001}]
        """);

    public static StoredResource Parse(string ns, string yaml)
    {
        var parsed = ResourceParser.Parse(yaml, ns);
        Assert.True(parsed.Ok, string.Join("\n", parsed.Errors));
        var r = parsed.Resources.Single();
        return new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0);
    }

    public static CatalogBatch Batch(string source, long epoch, IEnumerable<StoredResource> upserts, params ResourceKey[] deletes) =>
        new(source, epoch, [.. upserts], [.. deletes]);

    public static ResourceKey Key(string kind, string name) => new(kind, name);

    public static ImmutableArray<string> Names(IEnumerable<StoredResource> resources) =>
        [.. resources.Select(r => $"{r.Kind}/{r.Name}@{r.Source}")];
}
