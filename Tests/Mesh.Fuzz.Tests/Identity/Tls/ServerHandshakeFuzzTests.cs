using CsCheck;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Identity;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Names;
using Mesh.Identity.Tls;
using Org.BouncyCastle.Tls;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Identity.Tls;

/// <summary>The mesh TLS server (our BouncyCastle TlsServerProtocol with our server peer, as MeshTls.AcceptAsync sets it up)
/// fed mutated client flights through the non-blocking API: real ClientHellos (hybrid, X25519-only, strict PQ) and a real
/// client's second flight. Any exception other than a TLS alert (raised or received) is a bug.</summary>
public sealed class ServerHandshakeFuzzTests(ITestOutputHelper output)
{
    private static readonly CertificateAuthority Ca = CertificateAuthority.Create();
    private static readonly MeshCredentials ServerCredentials = Issue(SpiffeId.Create(SpiffeId.DefaultTrustDomain, "default", "books"));
    private static readonly MeshCredentials ClientCredentials = Issue(SpiffeId.Create(SpiffeId.DefaultTrustDomain, "default", "web"));
    private static readonly MeshTlsServerOptions ServerOptions = new()
    {
        Credentials = new MeshCredentialsHolder(ServerCredentials),
        ClientCertificateMode = ClientCertificateMode.Required,
    };

    private static MeshCredentials Issue(SpiffeId id)
    {
        var csr = CsrBuilder.Create(id);
        return MeshCredentials.Create(csr, Ca.IssueLeafOrThrow(csr.Der, id), Ca.TrustBundle);
    }

    private static byte[] Drain(TlsProtocol engine)
    {
        var bytes = new byte[engine.GetAvailableOutputBytes()];
        engine.ReadOutput(bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>A real client's flights against a real server, in memory: [ClientHello, Certificate…Finished].</summary>
    private static (byte[] Hello, byte[] Second) ClientFlights(MeshKeyExchangeMode mode)
    {
        var clientOptions = new MeshTlsClientOptions { Credentials = new MeshCredentialsHolder(ClientCredentials), KeyExchange = mode };
        var client = new TlsClientProtocol();
        client.Connect(new MeshTlsClientPeer(clientOptions, ClientCredentials, Ca.TrustBundle, new HandshakeState()));
        var hello = Drain(client);
        var server = new MeshTlsServerProtocol();
        server.Accept(new MeshTlsServerPeer(ServerOptions, ServerCredentials, Ca.TrustBundle, new HandshakeState()));
        server.OfferInput(hello);
        client.OfferInput(Drain(server));
        return (hello, Drain(client));
    }

    internal static readonly Lazy<List<byte[]>> Seeds = new(() =>
    {
        var seeds = new List<byte[]>();
        foreach (var mode in new[] { MeshKeyExchangeMode.Hybrid, MeshKeyExchangeMode.StrictPostQuantum, MeshKeyExchangeMode.ClassicalOnly })
        {
            var (hello, second) = ClientFlights(mode);
            seeds.Add(hello);
            seeds.Add([.. hello, .. second]);
        }
        return seeds;
    });

    /// <summary>Record and handshake headers, extension types (supported_versions, key_share, psk, early_data), lengths.</summary>
    private static readonly byte[][] Tokens = [[0x16, 0x03, 0x01], [0x16, 0x03, 0x03, 0x40, 0x00], [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28],
        [0x14, 0x03, 0x03, 0x00, 0x01, 0x01], [0x17, 0x03, 0x03, 0x00, 0x00], [0x00, 0x2b], [0x00, 0x33], [0x00, 0x29], [0x00, 0x2a],
        [0x11, 0xec], [0x00, 0x1d], [0x00, 0x00], [0xff, 0xff], [0x01, 0x00, 0x00, 0x00], [0x03, 0x04], [0x7f, 0xff]];

    /// <summary>One accept over <paramref name="input"/>, offered in two pieces as a socket may deliver it.</summary>
    internal static void Accept(byte[] input, int split)
    {
        var server = new MeshTlsServerProtocol();
        server.Accept(new MeshTlsServerPeer(ServerOptions, ServerCredentials, Ca.TrustBundle, new HandshakeState()));
        try
        {
            var cut = input.Length == 0 ? 0 : split % (input.Length + 1);
            server.OfferInput(input, 0, cut);
            server.OfferInput(input, cut, input.Length - cut);
            Drain(server);
        }
        catch (TlsFatalAlert)
        {
            // The server refused: it answers with an alert and closes.
        }
        catch (TlsFatalAlertReceived)
        {
            // The mutated flight carried an alert record.
        }
    }

    /// <summary>The crash the fuzzer found first: the hybrid ClientHello with its key_share entry overrunning the extension.</summary>
    [Fact]
    public void Accept_TruncatedKeyShare_AnswersDecodeErrorAlert()
    {
        var hello = Seeds.Value[0].ToArray();
        // key_share (0x0033) → client_shares length (2) → first entry: group (2), key_exchange length (2): make it overrun.
        var at = IndexOf(hello, [0x00, 0x33]) + 4;
        var entryLength = at + 4;
        hello[entryLength] = 0xff;
        hello[entryLength + 1] = 0xff;
        var server = new MeshTlsServerProtocol();
        server.Accept(new MeshTlsServerPeer(ServerOptions, ServerCredentials, Ca.TrustBundle, new HandshakeState()));

        var alert = Assert.Throws<TlsFatalAlert>(() => server.OfferInput(hello));
        Assert.Equal(AlertDescription.decode_error, alert.AlertDescription);
        // And the alert goes out: the engine's last record is a fatal decode_error alert.
        var sent = Drain(server);
        Assert.Equal([ContentType.alert, AlertLevel.fatal, AlertDescription.decode_error], new short[] { sent[^7], sent[^2], sent[^1] });
    }

    private static int IndexOf(byte[] data, byte[] needle)
    {
        // The extensions start after the fixed part of the ClientHello; search from there so a random byte pair in the
        // random or session id cannot match first.
        for (var i = 5 + 4 + 2 + 32 + 1 + 32; i < data.Length - needle.Length; i++)
            if (data.AsSpan(i, needle.Length).SequenceEqual(needle)) return i;
        throw new InvalidOperationException("no key_share extension in the seed");
    }

    [Fact]
    public void Accept_MutatedClientFlights_OnlyTlsAlerts()
    {
        var inputs = Gen.Select(new Mutator(Seeds.Value, Tokens).Inputs(), Gen.Int[0, int.MaxValue]);
        FuzzRun.Run(output, "tls-server-handshake", inputs, c => Accept(c.Item1, c.Item2), ciCases: 200,
            print: c => $"split {c.Item2} {FuzzRun.Show(c.Item1)}");
    }
}
