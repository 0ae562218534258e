using System.Net;
using System.Net.Sockets;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;
using Mesh.Names;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Inbound;
using Authorization = Mesh.Api.V1.Authorization;

namespace Mesh.Proxy.Tests.Inbound;

/// <summary>Authorization policies naming identities of another cluster's trust domain (one anchor, an issuer per
/// cluster): the identity west's server admits is the one a real mesh TLS handshake verified from east's client.</summary>
public sealed class RemoteIdentityAuthorizationTests
{
    private static readonly CertificateAuthority Root = CertificateAuthority.Create("anchor.mesh");
    private static readonly CertificateAuthority East = CertificateAuthority.FromAnchor(Root.Anchor, "east.mesh");
    private static readonly CertificateAuthority West = CertificateAuthority.FromAnchor(Root.Anchor, "west.mesh");

    private static MeshCredentials Issue(CertificateAuthority ca, SpiffeId id)
    {
        var csr = CsrBuilder.Create(id);
        return MeshCredentials.Create(csr, ca.IssueLeafOrThrow(csr.Der, id), ca.TrustBundle);
    }

    /// <summary>The client identity west's server verified in a real handshake over 127.0.0.1.</summary>
    private static async Task<string> VerifiedEastClientAsync()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var clientSocket = new TcpClient();
        var accept = listener.AcceptTcpClientAsync();
        await clientSocket.ConnectAsync((IPEndPoint)listener.LocalEndpoint);
        using var serverSocket = await accept;
        var server = MeshTls.AcceptAsync(serverSocket.GetStream(), new MeshTlsServerOptions
        {
            Credentials = new MeshCredentialsHolder(Issue(West, SpiffeId.Create("west.mesh", "default", "books"))),
            ClientCertificateMode = ClientCertificateMode.Required,
        });
        var client = MeshTls.ConnectAsync(clientSocket.GetStream(), new MeshTlsClientOptions
        {
            Credentials = new MeshCredentialsHolder(Issue(East, SpiffeId.Create("east.mesh", "default", "web"))),
            ExpectedIdentity = "spiffe://west.mesh/ns/default/sa/books",
        });
        await using var c = await client.WaitAsync(TimeSpan.FromSeconds(30));
        await using var s = await server.WaitAsync(TimeSpan.FromSeconds(30));
        return s.PeerIdentity!;
    }

    private static bool Admits(string identity, params string[] patterns)
    {
        var authz = new Authorization { Name = "from-east", RequireIdentity = true };
        authz.Identities.AddRange(patterns);
        var server = new InboundServer { Name = "default/books", Port = 8080 };
        server.Authorizations.Add(authz);
        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.Deny };
        policy.Servers.Add(server);
        return new InboundPolicyCompiler(new ProxySettings(), TimeProvider.System).Compile(policy).Authorize(8080, identity, IPAddress.Loopback).Allowed;
    }

    [Fact]
    public async Task Authorize_RemoteTrustDomainPatterns_MatchTheVerifiedEastIdentity()
    {
        var east = await VerifiedEastClientAsync();
        Assert.Equal("spiffe://east.mesh/ns/default/sa/web", east);
        Assert.True(Admits(east, "*.east.mesh"));
        Assert.True(Admits(east, "web.default.serviceaccount.identity.mesh.east.mesh"));
        Assert.True(Admits(east, "spiffe://east.mesh/ns/default/sa/web"));
        Assert.False(Admits(east, "*.west.mesh"));
        Assert.False(Admits(east, "web.default.serviceaccount.identity.mesh.west.mesh"));
        Assert.False(Admits(east, "spiffe://west.mesh/ns/default/sa/web"));
    }

    [Theory]
    [InlineData("spiffe://beast.mesh/ns/default/sa/web")]     // "*.east.mesh" is a domain suffix, not a string suffix
    [InlineData("spiffe://east.mesh.evil/ns/default/sa/web")]
    [InlineData("spiffe://cluster.local/ns/east.mesh/sa/web")]
    public void Authorize_LookalikeIdentities_NotAdmittedByATrustDomainPattern(string identity)
    {
        Assert.False(Admits(identity, "*.east.mesh"));
    }
}
