using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

public sealed class DerivedNamespaceDiffTests
{
    private const string Books = """
        apiVersion: v1
        kind: Service
        metadata: {name: books}
        spec: {selector: {app: books}, ports: [{port: 8080, targetPort: 7001}]}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: authors}
        spec: {selector: {app: authors}, ports: [{port: 8080}]}
        ---
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: books-1, labels: {app: books}}
        spec: {addresses: [127.0.0.11]}
        """;

    private static DerivedNamespace Derive(string yaml) =>
        MeshReconciler.Derive("default", MeshReconcilerGoldenTests.Store(yaml), ReconcileSettings.Default);

    [Fact]
    public void Compute_SameResources_Empty()
    {
        Assert.True(DerivedNamespaceDiff.Compute("default", Derive(Books), Derive(Books), ReconcileSettings.Default).IsEmpty);
    }

    [Fact]
    public void Compute_NothingBefore_EverythingWritten()
    {
        var diff = DerivedNamespaceDiff.Compute("default", null, Derive(Books), ReconcileSettings.Default);

        Assert.Equal(["authors", "books"], diff.Services.Keys.Order());
        Assert.Equal(["books-1"], diff.Inbound.Keys);
    }

    [Fact]
    public void Compute_WorkloadAdded_OnlyThatServicesEndpointsAndItsInbound()
    {
        var after = Books + """

            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: books-2, labels: {app: books}}
            spec: {addresses: [127.0.0.12]}
            """;

        var diff = DerivedNamespaceDiff.Compute("default", Derive(Books), Derive(after), ReconcileSettings.Default);

        Assert.Empty(diff.Services);
        Assert.Empty(diff.Profiles);
        Assert.Equal(["books"], diff.EndpointSets.Keys);
        Assert.Equal(2, diff.EndpointSets["books"].Endpoints.Length);
        Assert.Equal(["books-2"], diff.Inbound.Keys);
    }

    [Fact]
    public void Compute_ServiceAndWorkloadRemoved_AbsentValues()
    {
        var diff = DerivedNamespaceDiff.Compute("default", Derive(Books),
            Derive(Books[..Books.IndexOf("---", StringComparison.Ordinal)]), ReconcileSettings.Default);

        Assert.Null(diff.Services["authors"]);
        Assert.Empty(diff.EndpointSets["authors"].Endpoints);
        Assert.Empty(diff.Profiles["authors"].Routes);
        Assert.False(diff.Inbound["books-1"].Exists);
        Assert.Empty(diff.EndpointSets["books"].Endpoints); // books lost its only workload
    }
}
