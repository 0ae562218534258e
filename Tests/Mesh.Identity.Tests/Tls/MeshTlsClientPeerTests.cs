using System.Buffers.Binary;
using System.Net.Sockets;
using Mesh.Identity.Tls;
using static Mesh.Identity.Tests.Tls.RawClientHello;

namespace Mesh.Identity.Tests.Tls;

/// <summary>The client's answers to hand-crafted ServerHellos over a real socket (issue 10 S5, the client side of
/// <see cref="MeshTlsServerPeerTests"/>): decode_error for a field that runs past its message, illegal_parameter for a
/// key share of the wrong length, never internal_error.</summary>
public sealed class MeshTlsClientPeerTests
{
    private const int IllegalParameter = 47, DecodeError = 50;
    private readonly TestPki _pki = new();

    /// <summary>Reads the client's ClientHello, answers <paramref name="serverHello"/> (built around the client's session
    /// id), and returns the client's next alert (null: it closed without one) and its error.</summary>
    private async Task<(int? Alert, MeshTlsException? Error)> AnswerAsync(Func<byte[], byte[]> serverHello)
    {
        var (client, server) = await Loopback.ConnectAsync();
        await using var s = server;
        var connect = MeshTls.ConnectAsync(client, new MeshTlsClientOptions { TrustBundle = _pki.Bundle });
        var hello = await ReadRecordAsync(server) ?? throw new InvalidOperationException("no ClientHello");
        // record body: handshake type (1) + length (3) + legacy_version (2) + random (32), then legacy_session_id.
        var sessionId = hello.Body.AsSpan(39, hello.Body[38]).ToArray();
        await server.WriteAsync(serverHello(sessionId));
        int? alert = null;
        while (await ReadRecordAsync(server) is { } record)
        {
            if (record.Type == 0x15) { alert = record.Body[1]; break; }
        }
        MeshTlsException? error = null;
        try { await (await connect.WaitAsync(Loopback.Deadline)).DisposeAsync(); }
        catch (MeshTlsException e) { error = e; }
        return (alert, error);
    }

    [Fact]
    public async Task Connect_ServerKeyShareLongerThanExtension_AlertDecodeError()
    {
        // key_share: the hybrid group, then a key length of 0xFFFF over 10 bytes.
        var (alert, error) = await AnswerAsync(id => ServerHello(id, keyShare: [.. U16(X25519MLKem768), 0xFF, 0xFF, .. new byte[10]]));
        Assert.Equal(DecodeError, alert);
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Connect_ServerSupportedVersionsCutShort_AlertDecodeError()
    {
        var (alert, error) = await AnswerAsync(id => ServerHello(id, keyShare: [.. U16(X25519MLKem768), .. U16(1120), .. new byte[1120]], supportedVersions: [0x03]));
        Assert.Equal(DecodeError, alert);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1119)] // one byte short of ML-KEM-768's 1088-byte ciphertext + X25519's 32
    public async Task Connect_ServerHybridKeyShareOfWrongLength_AlertIllegalParameter(int length)
    {
        var (alert, error) = await AnswerAsync(id => ServerHello(id, keyShare: [.. U16(X25519MLKem768), .. U16(length), .. new byte[length]]));
        Assert.True(IllegalParameter == alert, $"alert {alert}: {error}");
        Assert.NotNull(error);
    }

    [Fact]
    public async Task Connect_ServerX25519KeyShareOfWrongLength_AlertIllegalParameter()
    {
        var (alert, error) = await AnswerAsync(id => ServerHello(id, keyShare: [.. U16(X25519), .. U16(31), .. new byte[31]]));
        Assert.True(IllegalParameter == alert, $"alert {alert}: {error}");
        Assert.NotNull(error);
    }

    /// <summary>One TLS record with a TLS 1.3 ServerHello (RFC 8446 §4.1.3): TLS_AES_128_GCM_SHA256, the given raw
    /// key_share and supported_versions extension data.</summary>
    private static byte[] ServerHello(byte[] sessionId, byte[] keyShare, byte[]? supportedVersions = null)
    {
        var body = new List<byte> { 0x03, 0x03 };
        var random = new byte[32];
        Random.Shared.NextBytes(random);
        body.AddRange(random);
        body.Add((byte)sessionId.Length); body.AddRange(sessionId);
        body.AddRange(U16(0x1301));
        body.Add(0);
        var extensions = new List<byte>();
        Extension(extensions, 43, supportedVersions ?? [0x03, 0x04]);
        Extension(extensions, 51, keyShare);
        body.AddRange(U16(extensions.Count)); body.AddRange(extensions);
        var handshake = new List<byte> { 2, (byte)(body.Count >> 16), (byte)(body.Count >> 8), (byte)body.Count };
        handshake.AddRange(body);
        return [0x16, 0x03, 0x03, .. U16(handshake.Count), .. handshake];
    }

    private static void Extension(List<byte> to, int type, byte[] data)
    {
        to.AddRange(U16(type));
        to.AddRange(U16(data.Length));
        to.AddRange(data);
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];

    private static async Task<(byte Type, byte[] Body)?> ReadRecordAsync(NetworkStream stream)
    {
        using var cts = new CancellationTokenSource(Loopback.Deadline);
        try
        {
            var header = new byte[5];
            await stream.ReadExactlyAsync(header, cts.Token);
            var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3))];
            await stream.ReadExactlyAsync(body, cts.Token);
            return (header[0], body);
        }
        catch (Exception e) when (e is EndOfStreamException or IOException) { return null; }
    }
}
