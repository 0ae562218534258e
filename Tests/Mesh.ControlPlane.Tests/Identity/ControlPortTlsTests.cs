using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Identity.Ca;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;

namespace Mesh.ControlPlane.Tests.Identity;

/// <summary>The silo's control port speaks mesh TLS with the silo's identity: clients trusting the published anchors
/// get answers; a client of another mesh, a plaintext client, or one expecting another identity gets none.</summary>
[Collection(SiloCollection.Name)]
public sealed class ControlPortTlsTests(SiloFixture silo)
{
    private static WatchRequest Unknown => new() { Authority = "no-such-service.default.svc.cluster.local:80" };

    [Fact]
    public async Task Watch_TrustingPublishedAnchors_GetsSnapshot()
    {
        Assert.Equal("https", silo.Host.ControlUri.Scheme);
        using var call = new Api.V1.Discovery.DiscoveryClient(silo.Control).Watch(Unknown, deadline: DateTime.UtcNow.AddSeconds(30));
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.False(call.ResponseStream.Current.Snapshot.Exists);
    }

    [Fact]
    public async Task Watch_TrustingAnotherMesh_Fails()
    {
        var (address, handler) = ControlPlaneConnection.Create(silo.Host.ControlUri, CertificateAuthority.Create().TrustBundle);
        using var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
        await AssertRefusedAsync(channel);
    }

    [Fact]
    public async Task Watch_ExpectingAnotherIdentity_Fails()
    {
        var bundle = TrustBundle.Load(Path.Combine(silo.DataDir, "trust-anchors.pem"));
        var handler = MeshTlsConnectCallback.CreateHandler(new MeshTlsClientOptions
        {
            TrustBundle = bundle,
            Credentials = new MeshCredentialsHolder(),
            ExpectedIdentity = "spiffe://cluster.local/ns/default/sa/not-the-silo",
        });
        using var channel = GrpcChannel.ForAddress(new UriBuilder(silo.Host.ControlUri) { Scheme = "http" }.Uri, new GrpcChannelOptions { HttpHandler = handler });
        await AssertRefusedAsync(channel);
    }

    [Fact]
    public async Task Watch_PlaintextH2c_Fails()
    {
        using var channel = GrpcChannel.ForAddress(new UriBuilder(silo.Host.ControlUri) { Scheme = "http" }.Uri);
        await AssertRefusedAsync(channel);
    }

    [Fact]
    public void Create_HttpsWithoutAnchors_SaysWhereTheyAre()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ControlPlaneConnection.Create(silo.Host.ControlUri, null));
        Assert.Contains("trust-anchors.pem", e.Message);
    }

    private static async Task AssertRefusedAsync(GrpcChannel channel)
    {
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var call = new Api.V1.Discovery.DiscoveryClient(channel).Watch(Unknown, deadline: DateTime.UtcNow.AddSeconds(20));
            await call.ResponseStream.MoveNext(CancellationToken.None);
        });
        Assert.Contains(e.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal, StatusCode.DeadlineExceeded });
    }
}
