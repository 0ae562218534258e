using System.Net;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>Discovery by address through the real silo: a Workload applied in some namespace makes its address:port
/// resolve to it (meshed, with its identity); an address nobody claims does not exist, and the watch follows both ways.</summary>
[Collection(SiloCollection.Name)]
public sealed class AddressWatchTests(SiloFixture silo)
{
    private static string NewNamespace() => "ns-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>A loopback address of its own per test run (the silo is shared by the collection).</summary>
    private static string NewAddress() => $"127.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(1, 255)}.{Random.Shared.Next(2, 255)}";

    private static string Workload(string address) => $$$"""
        apiVersion: mesh.io/v1alpha1
        kind: Workload
        metadata: {name: echo-1, labels: {app: echo}}
        spec:
          serviceAccount: echo
          addresses: [{{{address}}}]
          ports: [{name: http, port: 8080}]
          proxy: {inboundPort: 4143, adminPort: 4191}
        """;

    private async Task<HttpStatusCode> ApplyAsync(string yaml, string ns)
    {
        using var admin = silo.AuthorizedAdmin();
        return (await admin.PostAsync($"/api/v1/apply?namespace={ns}", new StringContent(yaml))).StatusCode;
    }

    [Fact]
    public async Task Watch_AddressOfAWorkload_ItsEndpointMeshedUntilTheWorkloadGoes()
    {
        var ns = NewNamespace();
        var address = NewAddress();
        await using var watch = new WatchClient(new Api.V1.Discovery.DiscoveryClient(silo.Control), $"{address}:8080", "default");
        await watch.WaitUntil(w => w.Updates.Count >= 1, "first snapshot");
        Assert.False(watch.Updates[0].Snapshot.Exists);

        Assert.Equal(HttpStatusCode.OK, await ApplyAsync(Workload(address), ns));
        await watch.WaitUntil(w => w.Exists && w.Endpoints.Count == 1, "the workload's endpoint");
        var e = watch.Endpoints[$"{address}:8080"];
        Assert.Equal(($"spiffe://cluster.local/ns/{ns}/sa/echo", 4143u, ProtocolHint.H2, "echo-1"), (e.Identity, e.ProxyPort, e.ProtocolHint, e.Workload));
        Assert.Equal($"{address}:8080", watch.Updates.Last().Snapshot.Authority);

        using var admin = silo.AuthorizedAdmin();
        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/resources/workload/{ns}/echo-1")).StatusCode);
        await watch.WaitUntil(w => !w.Exists, "the address released");
    }

    [Fact]
    public async Task Watch_PortTheWorkloadDoesNotDeclare_DoesNotExist()
    {
        var ns = NewNamespace();
        var address = NewAddress();
        Assert.Equal(HttpStatusCode.OK, await ApplyAsync(Workload(address), ns));
        await using var declared = new WatchClient(new Api.V1.Discovery.DiscoveryClient(silo.Control), $"{address}:8080");
        await declared.WaitUntil(w => w.Exists, "the declared port");
        await using var other = new WatchClient(new Api.V1.Discovery.DiscoveryClient(silo.Control), $"{address}:9999");
        await other.WaitUntil(w => w.Updates.Count >= 1, "first snapshot");
        Assert.False(other.Updates[0].Snapshot.Exists);
    }
}
