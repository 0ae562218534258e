using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Http;

namespace Mesh.Kubernetes.Tests.Identity;

/// <summary>One Kubernetes-mode silo and its fake API server, shared by the TokenReview matrix.</summary>
public sealed class KubernetesSiloFixture : IAsyncLifetime
{
    public FakeKubeApi Api { get; private set; } = null!;
    public SiloHost Silo { get; private set; } = null!;
    public GrpcChannel Control { get; private set; } = null!;
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-k8s-silo-").FullName;

    public async Task InitializeAsync()
    {
        Api = await FakeKubeApi.StartAsync();
        Silo = await SiloHost.StartAsync(KubernetesSilo.Settings(Api, _dir));
        Control = KubernetesSilo.Control(Silo);
    }

    public async Task DisposeAsync()
    {
        Control.Dispose();
        await Silo.DisposeAsync();
        await Api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Identity.Certify on a real silo in Kubernetes mode, over real gRPC and mesh TLS, with the TokenReview
/// sent by the real KubernetesClient over HTTPS to the fake API server: each failure's gRPC status.</summary>
public sealed class TokenReviewCertifyTests(KubernetesSiloFixture k8s) : IClassFixture<KubernetesSiloFixture>
{
    private const string Audience = "identity.mesh.io";
    private Api.V1.Identity.IdentityClient Client => new(k8s.Control);

    private async Task<RpcException> RefusedAsync(string ns, string sa, string token)
    {
        var id = SpiffeId.Create("cluster.local", ns, sa);
        using var csr = CsrBuilder.Create(id);
        return await Assert.ThrowsAsync<RpcException>(() => Client.CertifyAsync(Request(id, token, csr.Der)).ResponseAsync);
    }

    private static CertifyRequest Request(SpiffeId id, string token, byte[] csr) => new()
    {
        Identity = id.Uri, Token = token, CertificateSigningRequest = Google.Protobuf.ByteString.CopyFrom(csr),
    };

    [Fact]
    public async Task Certify_ServiceAccountTokenForIdentityAudience_IssuesLeafForThatIdentity()
    {
        var id = SpiffeId.Create("cluster.local", "books", "reader");
        using var csr = CsrBuilder.Create(id);
        var token = k8s.Api.Tokens.MintServiceAccount("books", "reader", [Audience]);
        var response = await Client.CertifyAsync(Request(id, token, csr.Der));
        using var leaf = X509CertificateLoader.LoadCertificate(response.LeafCertificate.ToByteArray());
        Assert.Contains(id.Uri, leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false));
        Assert.Contains(k8s.Api.Requests, r => r.StartsWith("POST /apis/authentication.k8s.io/v1/tokenreviews", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Certify_ExpiredToken_UnauthenticatedSaysExpired()
    {
        var e = await RefusedAsync("books", "expired", k8s.Api.Tokens.MintServiceAccount("books", "expired", [Audience], DateTimeOffset.UtcNow.AddMinutes(-1)));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("expired", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_UnknownToken_Unauthenticated()
    {
        var e = await RefusedAsync("books", "forged", "not-a-token-the-api-server-issued");
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("invalid bearer token", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_TokenForApiServerAudience_UnauthenticatedWantsIdentityAudience()
    {
        // The pod's default token (audience: the API server) must not pass as a mesh identity token.
        var e = await RefusedAsync("books", "default-token", k8s.Api.Tokens.MintServiceAccount("books", "default-token"));
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
        Assert.Contains("audience", e.Status.Detail);
        Assert.Contains($"want {Audience}", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_AudienceUnawareTokenReview_UnauthenticatedAudienceNotConfirmed()
    {
        // An authenticator that ignores audiences says "authenticated" without status.audiences: not proof of ours.
        k8s.Api.Tokens.AudienceAware = false;
        try
        {
            var e = await RefusedAsync("books", "reader", k8s.Api.Tokens.MintServiceAccount("books", "reader"));
            Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
            Assert.Contains($"token audience [] confirmed by TokenReview, want {Audience}", e.Status.Detail);
        }
        finally { k8s.Api.Tokens.AudienceAware = true; }
    }

    [Fact]
    public async Task Certify_UserToken_PermissionDeniedNotAServiceAccount()
    {
        var e = await RefusedAsync("books", "reader", k8s.Api.Tokens.MintUser("alice", ["developers"], [Audience]));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("'alice', not a service account", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_TokenForServiceAccountAWithCsrForB_PermissionDenied()
    {
        var e = await RefusedAsync("books", "admin", k8s.Api.Tokens.MintServiceAccount("books", "reader", [Audience]));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("books/reader", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_TokenReviewAnswers500_Unavailable()
    {
        k8s.Api.Faults.Fail(r => r.Path.Value!.EndsWith("/tokenreviews", StringComparison.Ordinal), ApiError.Internal("etcdserver: leader changed"));
        var e = await RefusedAsync("books", "reader", k8s.Api.Tokens.MintServiceAccount("books", "reader", [Audience]));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("HTTP 500", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_TokenReviewHangs_UnavailableAfterTheTimeout()
    {
        k8s.Api.Faults.Delay(r => r.Path.Value!.EndsWith("/tokenreviews", StringComparison.Ordinal), TimeSpan.FromSeconds(30));
        var e = await RefusedAsync("books", "reader", k8s.Api.Tokens.MintServiceAccount("books", "reader", [Audience]));
        Assert.Equal(StatusCode.Unavailable, e.StatusCode);
        Assert.Contains("timed out after 1000 ms", e.Status.Detail);
    }
}
