using Mesh.Identity.Credentials;
using Mesh.Identity.Tls;
using static Mesh.Identity.Tests.Tls.RawClientHello;

namespace Mesh.Identity.Tests.Tls;

/// <summary>The server's answers to hand-crafted ClientHellos over a real socket (issue 10 S5): the alert RFC 8446
/// names for each bad input, never internal_error; and what already worked (HRR to the hybrid group) keeps working.</summary>
public sealed class MeshTlsServerPeerTests
{
    private const int HandshakeFailure = 40, IllegalParameter = 47, DecodeError = 50, MissingExtension = 109;
    private static readonly ushort[] MeshSchemes = [EcdsaP256Sha256];
    private readonly TestPki _pki = new();

    private async Task<(ServerAnswer Answer, MeshTlsException? ServerError)> SendAsync(byte[] clientHello)
    {
        var (client, server) = await Loopback.ConnectAsync();
        await using var c = client;
        var accept = MeshTls.AcceptAsync(server, new MeshTlsServerOptions
        {
            Credentials = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("books", "books"))),
        });
        await client.WriteAsync(clientHello);
        var answer = await ReadAnswerAsync(client);
        client.Close();
        MeshTlsException? error = null;
        try { await (await accept.WaitAsync(Loopback.Deadline)).DisposeAsync(); }
        catch (MeshTlsException e) { error = e; }
        return (answer, error);
    }

    [Theory]
    [InlineData(1215)] // one byte short of ML-KEM-768's 1184 + X25519's 32
    [InlineData(1217)]
    [InlineData(1184)] // the ML-KEM part alone
    [InlineData(100)]
    public async Task Accept_HybridKeyShareOfWrongLength_AlertIllegalParameter(int length)
    {
        var (answer, error) = await SendAsync(Build([X25519MLKem768], [Share(X25519MLKem768, length)], MeshSchemes));

        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, IllegalParameter), answer);
        Assert.Equal(MeshTlsError.Protocol, error?.Error);
    }

    [Fact]
    public async Task Accept_X25519KeyShareOfWrongLength_AlertIllegalParameter()
    {
        var (answer, _) = await SendAsync(Build([X25519], [Share(X25519, 31)], MeshSchemes));
        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, IllegalParameter), answer);
    }

    [Fact]
    public async Task Accept_HybridKeyShareNotAValidMlKemKey_AlertIllegalParameter()
    {
        // Right length, but every 12-bit ML-KEM coefficient is 4095 ≥ q = 3329: FIPS 203's modulus check fails.
        var (answer, _) = await SendAsync(Build([X25519MLKem768], [(X25519MLKem768, Enumerable.Repeat((byte)0xFF, 1216).ToArray())], MeshSchemes));
        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, IllegalParameter), answer);
    }

    [Fact]
    public async Task Accept_KeyShareListLongerThanExtension_AlertDecodeError()
    {
        var hello = Build([X25519], [Share(X25519, 32)], MeshSchemes);
        // key_share is the last extension: its client_shares length (after type and length) claims 2 bytes more than there are.
        var at = hello.Length - (32 + 4) - 2;
        hello[at + 1] += 2;
        var (answer, _) = await SendAsync(hello);
        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, DecodeError), answer);
    }

    [Fact]
    public async Task Accept_KeyShareEntryLongerThanList_AlertDecodeError()
    {
        var hello = Build([X25519], [Share(X25519, 32)], MeshSchemes);
        // The list and extension lengths are right, but the one entry's key_exchange length claims 255 bytes of 32:
        // BouncyCastle's entry parser reads past the list (an EndOfStreamException, which BC alone answers with internal_error).
        var at = hello.Length - 32 - 2;
        hello[at] = 0;
        hello[at + 1] = 0xff;
        var (answer, error) = await SendAsync(hello);

        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, DecodeError), answer);
        Assert.Equal(MeshTlsError.Protocol, error?.Error);
    }

    [Fact]
    public async Task Accept_ServerNameLongerThanList_AlertDecodeError()
    {
        // server_name (0): list length 5 = name_type host_name (0), HostName length 16, but only 2 bytes follow.
        byte[] serverName = [0x00, 0x05, 0x00, 0x00, 0x10, (byte)'a', (byte)'b'];
        var (answer, error) = await SendAsync(Build([X25519], [Share(X25519, 32)], MeshSchemes, extra: [(0, serverName)]));

        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, DecodeError), answer);
        Assert.Equal(MeshTlsError.Protocol, error?.Error);
    }

    [Fact]
    public async Task Accept_ClientHelloCutByClose_ClosesWithoutAlert()
    {
        // The transport's end is not a malformed message: no decode_error, just a close, counted as truncated.
        var hello = Build([X25519], [Share(X25519, 32)], MeshSchemes);
        var (client, server) = await Loopback.ConnectAsync();
        await using var c = client;
        var accept = MeshTls.AcceptAsync(server, new MeshTlsServerOptions
        {
            Credentials = new MeshCredentialsHolder(_pki.Issue(TestPki.Id("books", "books"))),
        });
        await client.WriteAsync(hello.AsMemory(0, hello.Length / 2));
        client.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);

        Assert.Equal(new ServerAnswer(ServerAnswerKind.Closed, null), await ReadAnswerAsync(client));
        var error = await Assert.ThrowsAsync<MeshTlsException>(() => accept.WaitAsync(Loopback.Deadline));
        Assert.Equal(MeshTlsError.Truncated, error.Error);
    }

    [Fact]
    public async Task Accept_WellFormedServerName_ServerHello()
    {
        byte[] serverName = [0x00, 0x05, 0x00, 0x00, 0x02, (byte)'a', (byte)'b'];
        var (answer, _) = await SendAsync(Build([X25519], [Share(X25519, 32)], MeshSchemes, extra: [(0, serverName)]));
        Assert.Equal(ServerAnswerKind.ServerHello, answer.Kind);
    }

    [Theory]
    [InlineData(new ushort[] { RsaPssRsaeSha256, Ed25519 })]
    [InlineData(new ushort[] { RsaPkcs1Sha256 })]
    public async Task Accept_ClientOffersNoSignatureSchemeOfOurs_AlertHandshakeFailure(ushort[] schemes)
    {
        var (answer, error) = await SendAsync(Build([X25519], [Share(X25519, 32)], schemes));

        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, HandshakeFailure), answer);
        Assert.Equal(MeshTlsError.NoCommonParameters, error?.Error);
    }

    [Fact]
    public async Task Accept_NoSignatureAlgorithmsExtension_AlertMissingExtension()
    {
        var (answer, _) = await SendAsync(Build([X25519], [Share(X25519, 32)], signatureSchemes: null));
        Assert.Equal(new ServerAnswer(ServerAnswerKind.Alert, MissingExtension), answer);
    }

    [Fact]
    public async Task Accept_OurSchemeAmongOthers_ServerHello()
    {
        var (answer, _) = await SendAsync(Build([X25519], [Share(X25519, 32)], [RsaPssRsaeSha256, EcdsaP256Sha256, Ed25519]));
        Assert.Equal(ServerAnswerKind.ServerHello, answer.Kind);
    }

    [Fact]
    public async Task Accept_HybridOfferedButOnlyX25519Shared_HelloRetryRequest()
    {
        var (answer, _) = await SendAsync(Build([X25519MLKem768, X25519], [Share(X25519, 32)], MeshSchemes));
        Assert.Equal(ServerAnswerKind.HelloRetryRequest, answer.Kind);
    }
}
