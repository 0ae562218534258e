using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.ControlPlane.Tests.Identity;

/// <summary>Identity.Certify on a real silo over real gRPC: the happy path and every kind of bad input.</summary>
[Collection(SiloCollection.Name)]
public sealed class CertifyTests(SiloFixture silo)
{
    private Api.V1.Identity.IdentityClient Client => new(silo.Control);

    private async Task<string> TokenAsync(string ns, string sa)
    {
        using var admin = silo.AuthorizedAdmin();
        var response = await admin.PostAsJsonAsync("/api/v1/identity/tokens", new { @namespace = ns, serviceAccount = sa });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static CertifyRequest Request(SpiffeId id, string token, byte[] csr) => new()
    {
        Identity = id.Uri,
        Token = token,
        CertificateSigningRequest = Google.Protobuf.ByteString.CopyFrom(csr),
    };

    [Fact]
    public async Task Certify_ValidTokenAndCsr_IssuesLeafChainingToPublishedAnchor()
    {
        var id = SpiffeId.Create("cluster.local", "default", "certify-ok");
        using var csr = CsrBuilder.Create(id);
        var response = await Client.CertifyAsync(Request(id, await TokenAsync("default", "certify-ok"), csr.Der));

        using var leaf = X509CertificateLoader.LoadCertificate(response.LeafCertificate.ToByteArray());
        Assert.Contains(id.Uri, leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().Format(false));
        Assert.InRange(leaf.NotAfter.ToUniversalTime() - DateTime.UtcNow, TimeSpan.FromHours(23), TimeSpan.FromHours(24.1));

        var bundle = TrustBundle.Load(Path.Combine(silo.DataDir, "trust-anchors.pem"));
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.AddRange(bundle.Anchors.ToArray());
        foreach (var der in response.IntermediateCertificates) chain.ChainPolicy.ExtraStore.Add(X509CertificateLoader.LoadCertificate(der.ToByteArray()));
        Assert.True(chain.Build(leaf), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));

        using var admin = new HttpClient { BaseAddress = silo.Host.AdminUri };
        var list = await admin.GetFromJsonAsync<JsonElement>("/api/v1/identities");
        Assert.Contains(list.GetProperty("certificates").EnumerateArray(), c => c.GetProperty("identity").GetString() == id.Uri);
        Assert.True(list.GetProperty("issuer").GetProperty("daysLeft").GetDouble() > 300);
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("mesh1.e30.AAAA")]
    public async Task Certify_BadToken_Unauthenticated(string token)
    {
        var id = SpiffeId.Create("cluster.local", "default", "certify-badtoken");
        using var csr = CsrBuilder.Create(id);
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.CertifyAsync(Request(id, token, csr.Der)).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, e.StatusCode);
    }

    [Fact]
    public async Task Certify_TokenForAnotherIdentity_PermissionDenied()
    {
        var id = SpiffeId.Create("cluster.local", "default", "certify-victim");
        using var csr = CsrBuilder.Create(id);
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.CertifyAsync(Request(id, await TokenAsync("default", "certify-attacker"), csr.Der)));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
        Assert.Contains("certify-attacker", e.Status.Detail);
    }

    [Fact]
    public async Task Certify_CsrForAnotherIdentity_PermissionDenied()
    {
        var id = SpiffeId.Create("cluster.local", "default", "certify-csr-owner");
        using var other = CsrBuilder.Create(SpiffeId.Create("cluster.local", "default", "someone-else"));
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.CertifyAsync(Request(id, await TokenAsync("default", "certify-csr-owner"), other.Der)));
        Assert.Equal(StatusCode.PermissionDenied, e.StatusCode);
    }

    [Fact]
    public async Task Certify_MalformedCsr_InvalidArgument()
    {
        var id = SpiffeId.Create("cluster.local", "default", "certify-garbage");
        var token = await TokenAsync("default", "certify-garbage");
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.CertifyAsync(Request(id, token, RandomNumberGenerator.GetBytes(64))).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);

        var empty = await Assert.ThrowsAsync<RpcException>(() => Client.CertifyAsync(Request(id, token, [])).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
    }

    [Fact]
    public async Task Certify_RsaKey_InvalidArgument()
    {
        var id = SpiffeId.Create("cluster.local", "default", "certify-rsa");
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={id.DnsName}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(id.Uri));
        request.CertificateExtensions.Add(san.Build());
        var e = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client.CertifyAsync(Request(id, await TokenAsync("default", "certify-rsa"), request.CreateSigningRequest())));
        Assert.Equal(StatusCode.InvalidArgument, e.StatusCode);
    }

    [Theory]
    [InlineData("not-a-spiffe-id")]
    [InlineData("spiffe://cluster.local/ns/default")]
    [InlineData("spiffe://other.domain/ns/default/sa/books")]
    public async Task Certify_BadIdentity_Rejected(string identity)
    {
        var request = new CertifyRequest { Identity = identity, Token = "x", CertificateSigningRequest = Google.Protobuf.ByteString.CopyFromUtf8("x") };
        var e = await Assert.ThrowsAsync<RpcException>(() => Client.CertifyAsync(request).ResponseAsync);
        Assert.Contains(e.StatusCode, new[] { StatusCode.InvalidArgument, StatusCode.PermissionDenied });
    }

    [Fact]
    public async Task IssueToken_WithoutAdminToken_401()
    {
        var response = await silo.Admin.PostAsJsonAsync("/api/v1/identity/tokens", new { @namespace = "default", serviceAccount = "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
