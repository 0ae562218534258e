using Mesh.Identity.Credentials;
using Mesh.Identity.Metrics;
using Mesh.Identity.Tls;

namespace Mesh.Identity.Tests.Tls;

/// <summary>Every test is a real TCP handshake on 127.0.0.1 between BouncyCastle-based mesh peers.</summary>
public sealed class MeshTlsHandshakeTests : IDisposable
{
    private readonly TestPki _pki = new();
    private readonly MeshTlsMetrics _metrics = new();
    private readonly MetricsRecorder _recorder;
    private readonly MeshCredentials _server;
    private readonly MeshCredentials _client;

    public MeshTlsHandshakeTests()
    {
        _recorder = new MetricsRecorder(_metrics);
        _server = _pki.Issue(TestPki.Id("books", "books"));
        _client = _pki.Issue(TestPki.Id("web", "frontend"));
    }

    public void Dispose()
    {
        _recorder.Dispose();
        _metrics.Dispose();
    }

    private MeshTlsServerOptions Server(MeshCredentials? creds = null, MeshKeyExchangeMode mode = MeshKeyExchangeMode.Hybrid,
        ClientCertificateMode clientCerts = ClientCertificateMode.Optional) =>
        new() { Credentials = new MeshCredentialsHolder(creds ?? _server), KeyExchange = mode, ClientCertificateMode = clientCerts, Metrics = _metrics };

    private MeshTlsClientOptions Client(MeshCredentials? creds = null, MeshKeyExchangeMode mode = MeshKeyExchangeMode.Hybrid, string? expected = "spiffe://cluster.local/ns/books/sa/books") =>
        new() { Credentials = new MeshCredentialsHolder(creds ?? _client), KeyExchange = mode, ExpectedIdentity = expected, Metrics = _metrics };

    private static async Task AssertEchoAsync(MeshTlsStream client, MeshTlsStream server)
    {
        var ping = "ping"u8.ToArray();
        await client.WriteAsync(ping);
        var buffer = new byte[16];
        var n = await server.ReadAsync(buffer).AsTask().WaitAsync(Loopback.Deadline);
        Assert.Equal("ping", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
        await server.WriteAsync("pong"u8.ToArray());
        n = await client.ReadAsync(buffer).AsTask().WaitAsync(Loopback.Deadline);
        Assert.Equal("pong", System.Text.Encoding.ASCII.GetString(buffer, 0, n));
    }

    [Fact]
    public async Task Handshake_TwoMeshPeers_NegotiatesHybridAndExposesIdentities()
    {
        var (c, s) = await Loopback.HandshakeAsync(Client(), Server());
        await using var client = await c;
        await using var server = await s;

        Assert.Equal("X25519MLKEM768", server.NegotiatedGroup);
        Assert.Equal("X25519MLKEM768", client.NegotiatedGroup);
        Assert.Equal("TLS_AES_128_GCM_SHA256", server.CipherSuite);
        Assert.Equal("h2", server.ApplicationProtocol);
        Assert.Equal("h2", client.ApplicationProtocol);
        Assert.Equal("spiffe://cluster.local/ns/web/sa/frontend", server.PeerIdentity);
        Assert.Equal("spiffe://cluster.local/ns/books/sa/books", client.PeerIdentity);
        await AssertEchoAsync(client, server);
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.Handshakes, ("side", "server"), ("result", "success"), ("group", "X25519MLKEM768")));
    }

    [Fact]
    public async Task Handshake_ClassicalOnlyClient_FallsBackToX25519()
    {
        var (c, s) = await Loopback.HandshakeAsync(Client(mode: MeshKeyExchangeMode.ClassicalOnly), Server());
        await using var client = await c;
        await using var server = await s;
        Assert.Equal("X25519", server.NegotiatedGroup);
        Assert.Equal("X25519", client.NegotiatedGroup);
        await AssertEchoAsync(client, server);
    }

    [Fact]
    public async Task Handshake_StrictPqServerClassicalClient_Refused()
    {
        var (c, s) = await Loopback.HandshakeAsync(Client(mode: MeshKeyExchangeMode.ClassicalOnly), Server(mode: MeshKeyExchangeMode.StrictPostQuantum));
        Assert.Equal(MeshTlsError.NoCommonParameters, (await Loopback.FailureOf(s)).Error);
        Assert.Equal(MeshTlsError.NoCommonParameters, (await Loopback.FailureOf(c)).Error);
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "server"), ("reason", "no_common_parameters")));
    }

    [Fact]
    public async Task Handshake_StrictPqBothSides_NegotiatesHybrid()
    {
        var (c, s) = await Loopback.HandshakeAsync(Client(mode: MeshKeyExchangeMode.StrictPostQuantum), Server(mode: MeshKeyExchangeMode.StrictPostQuantum));
        await using var client = await c;
        await using var server = await s;
        Assert.Equal("X25519MLKEM768", server.NegotiatedGroup);
    }

    [Fact]
    public async Task Handshake_ServerCertificateFromAnotherCa_ClientRejects()
    {
        var other = new TestPki();
        var foreignServer = other.Issue(TestPki.Id("books", "books"));
        var (c, s) = await Loopback.HandshakeAsync(Client(), Server(foreignServer));
        var error = await Loopback.FailureOf(c);
        Assert.Equal(MeshTlsError.BadCertificate, error.Error);
        Assert.Equal(MeshTlsError.PeerAlert, (await Loopback.FailureOf(s)).Error);
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "client"), ("reason", "bad_certificate")));
    }

    [Fact]
    public async Task Handshake_ClientCertificateFromAnotherCa_ServerRejects()
    {
        var other = new TestPki();
        var foreignClient = other.Issue(TestPki.Id("web", "frontend"), trust: _pki.Bundle);
        var (c, s) = await Loopback.HandshakeAsync(Client(foreignClient), Server());
        Assert.Equal(MeshTlsError.BadCertificate, (await Loopback.FailureOf(s)).Error);
        await Assert.ThrowsAnyAsync<IOException>(async () =>
        {
            // TLS 1.3: the client may finish before the server's verdict arrives; its first read then fails.
            await using var client = await c.WaitAsync(Loopback.Deadline);
            var n = await client.ReadAsync(new byte[1]).AsTask().WaitAsync(Loopback.Deadline);
            if (n == 0) throw new IOException("closed by server");
        });
    }

    [Fact]
    public async Task Handshake_ExpiredServerLeaf_ClientRejects()
    {
        var past = new TestPki(time: new ShiftedTimeProvider(-TimeSpan.FromDays(3)));
        var expired = past.IssueCustom(TestPki.Id("books", "books"), notBefore: DateTimeOffset.UtcNow - TimeSpan.FromHours(30), lifetime: TimeSpan.FromHours(24));
        var client = Client(past.Issue(TestPki.Id("web", "frontend")));
        var (c, _) = await Loopback.HandshakeAsync(client, Server(expired));
        Assert.Equal(MeshTlsError.CertificateExpired, (await Loopback.FailureOf(c)).Error);
    }

    [Fact]
    public async Task Handshake_ClockPastExpiry_ClientRejects()
    {
        var options = Client();
        options.Time = new ShiftedTimeProvider(TimeSpan.FromHours(25));
        var (c, _) = await Loopback.HandshakeAsync(options, Server());
        var error = await Loopback.FailureOf(c);
        Assert.Equal(MeshTlsError.CertificateExpired, error.Error);
        Assert.Contains("expired", error.Message);
    }

    [Fact]
    public async Task Handshake_NotYetValidServerLeaf_ClientRejects()
    {
        var options = Client();
        options.Time = new ShiftedTimeProvider(-TimeSpan.FromMinutes(5));
        var (c, _) = await Loopback.HandshakeAsync(options, Server());
        var error = await Loopback.FailureOf(c);
        Assert.Equal(MeshTlsError.CertificateExpired, error.Error);
        Assert.Contains("not valid before", error.Message);
    }

    [Fact]
    public async Task Handshake_ClockWithinSkewOfNotBefore_Accepted()
    {
        // Leaves are backdated by the skew and validation tolerates the skew again: a peer 30 s behind still connects.
        var options = Client();
        options.Time = new ShiftedTimeProvider(-TimeSpan.FromSeconds(30));
        var (c, s) = await Loopback.HandshakeAsync(options, Server());
        await using var client = await c;
        await using var server = await s;
        Assert.Equal("spiffe://cluster.local/ns/books/sa/books", client.PeerIdentity);
    }

    [Fact]
    public async Task Handshake_ExpiredClientLeaf_ServerRejects()
    {
        var server = Server();
        server.Time = new ShiftedTimeProvider(TimeSpan.FromHours(25));
        var (_, s) = await Loopback.HandshakeAsync(Client(), server);
        Assert.Equal(MeshTlsError.CertificateExpired, (await Loopback.FailureOf(s)).Error);
    }

    [Fact]
    public async Task Handshake_WrongServerIdentity_ClientRejects()
    {
        var (c, _) = await Loopback.HandshakeAsync(Client(expected: "spiffe://cluster.local/ns/books/sa/reviews"), Server());
        var error = await Loopback.FailureOf(c);
        Assert.Equal(MeshTlsError.IdentityMismatch, error.Error);
        Assert.Contains("spiffe://cluster.local/ns/books/sa/books", error.Message);
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "client"), ("reason", "identity_mismatch")));
    }

    [Fact]
    public async Task Handshake_RequiredClientCertificateMissing_ServerRejects()
    {
        var client = new MeshTlsClientOptions { TrustBundle = _pki.Bundle, ExpectedIdentity = "spiffe://cluster.local/ns/books/sa/books", Metrics = _metrics };
        var (_, s) = await Loopback.HandshakeAsync(client, Server(clientCerts: ClientCertificateMode.Required));
        Assert.Equal(MeshTlsError.CertificateRequired, (await Loopback.FailureOf(s)).Error);
        Assert.Equal(1, _recorder.Sum(MeshTlsInstrumentNames.HandshakeErrors, ("side", "server"), ("reason", "certificate_required")));
    }

    [Fact]
    public async Task Handshake_OptionalClientCertificateMissing_PeerIdentityNull()
    {
        var client = new MeshTlsClientOptions { TrustBundle = _pki.Bundle, ExpectedIdentity = "spiffe://cluster.local/ns/books/sa/books", Metrics = _metrics };
        var (c, s) = await Loopback.HandshakeAsync(client, Server(clientCerts: ClientCertificateMode.Optional));
        await using var clientStream = await c;
        await using var serverStream = await s;
        Assert.Null(serverStream.PeerIdentity);
        await AssertEchoAsync(clientStream, serverStream);
    }

    [Fact]
    public async Task Handshake_TrustBundleWithTwoAnchors_AcceptsBoth()
    {
        var other = new TestPki();
        var bundle = _pki.Bundle.With(other.Ca.Anchor);
        var fromOther = other.Issue(TestPki.Id("books", "books"));
        var client = Client();
        client.TrustBundle = bundle;
        foreach (var serverCreds in new[] { _server, fromOther })
        {
            var server = Server(serverCreds);
            server.TrustBundle = bundle;
            var (c, s) = await Loopback.HandshakeAsync(client, server);
            await using var clientStream = await c;
            await using var serverStream = await s;
            Assert.Equal("spiffe://cluster.local/ns/books/sa/books", clientStream.PeerIdentity);
        }
    }

    [Fact]
    public async Task Handshake_OpaqueAlpn_PlainStreamCarriesBytes()
    {
        var client = Client();
        client.ApplicationProtocols = [MeshCrypto.Alpn.Opaque];
        var server = Server();
        server.ApplicationProtocols = [MeshCrypto.Alpn.Http2, MeshCrypto.Alpn.Opaque];
        var (c, s) = await Loopback.HandshakeAsync(client, server);
        await using var clientStream = await c;
        await using var serverStream = await s;
        Assert.Equal("mesh.opaque/1", serverStream.ApplicationProtocol);
        Assert.Equal("mesh.opaque/1", clientStream.ApplicationProtocol);
        await AssertEchoAsync(clientStream, serverStream);
    }

    [Fact]
    public async Task Handshake_NoCredentials_ServerFailsTyped()
    {
        var server = new MeshTlsServerOptions { Metrics = _metrics };
        var (_, s) = await Loopback.HandshakeAsync(Client(), server);
        Assert.Equal(MeshTlsError.NoCredentials, (await Loopback.FailureOf(s)).Error);
    }
}
