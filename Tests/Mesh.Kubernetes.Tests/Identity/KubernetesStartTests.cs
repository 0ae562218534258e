using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.Identity;

/// <summary>A Kubernetes-mode silo's start-time RBAC check (SelfSubjectAccessReview) and an API server that goes away.</summary>
public sealed class KubernetesStartTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-k8s-start-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task StartAsync_SiloMayNotCreateTokenReviews_FailsNamingTheRuleAndTheFix()
    {
        var rbac = new RulesAuthorizer();
        rbac.Deny(KubernetesSilo.User, "create", "authentication.k8s.io", "tokenreviews");
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = rbac });
        var e = await Assert.ThrowsAsync<KubernetesAccessException>(() => SiloHost.StartAsync(KubernetesSilo.Settings(api, _dir)));
        Assert.Contains("cannot create tokenreviews.authentication.k8s.io", e.Message);
        Assert.Contains("apiGroups: [\"authentication.k8s.io\"]", e.Message);
        Assert.Contains("kubectl create clusterrole mesh-silo-identity --verb=create --resource=tokenreviews.authentication.k8s.io", e.Message);
        Assert.Contains(api.Requests, r => r.StartsWith("POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StartAsync_ApiServerUnreachable_FailsNamingTheServer()
    {
        var api = await FakeKubeApi.StartAsync();
        var settings = KubernetesSilo.Settings(api, _dir);
        var url = api.Url;
        await api.DisposeAsync();
        var e = await Assert.ThrowsAsync<KubernetesAccessException>(() => SiloHost.StartAsync(settings));
        Assert.Contains($"cannot reach the Kubernetes API at {url}", e.Message);
    }

    [Fact]
    [Trait("Category", "E2E")]
    public async Task Certify_ApiServerGoneAfterStart_Unavailable()
    {
        var api = await FakeKubeApi.StartAsync();
        var token = api.Tokens.MintServiceAccount("books", "reader", ["identity.mesh.io"]);
        await using var silo = await SiloHost.StartAsync(KubernetesSilo.Settings(api, _dir));
        await api.DisposeAsync();
        using var control = KubernetesSilo.Control(silo);
        var id = SpiffeId.Create("cluster.local", "books", "reader");
        using var csr = CsrBuilder.Create(id);
        var request = new CertifyRequest { Identity = id.Uri, Token = token, CertificateSigningRequest = Google.Protobuf.ByteString.CopyFrom(csr.Der) };
        var e = await Assert.ThrowsAsync<RpcException>(() => new Api.V1.Identity.IdentityClient(control).CertifyAsync(request).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("TokenReview", e.Status.Detail);
    }
}
