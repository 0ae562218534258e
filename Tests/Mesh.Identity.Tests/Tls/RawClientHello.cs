using System.Buffers.Binary;
using System.Net.Sockets;

namespace Mesh.Identity.Tests.Tls;

/// <summary>A hand-built TLS 1.3 ClientHello (RFC 8446 §4.1.2), so tests can send what no well-behaved client would:
/// key shares of the wrong length, signature_algorithms the server cannot use. And a reader for the server's first
/// answer (a plaintext alert, ServerHello or HelloRetryRequest).</summary>
internal static class RawClientHello
{
    public const int X25519MLKem768 = 4588, X25519 = 29;
    public const ushort EcdsaP256Sha256 = 0x0403, RsaPssRsaeSha256 = 0x0804, Ed25519 = 0x0807, RsaPkcs1Sha256 = 0x0401;

    /// <summary>SHA-256("HelloRetryRequest"): the random of a ServerHello that is a HelloRetryRequest.</summary>
    private static readonly byte[] HelloRetryRandom = Convert.FromHexString("CF21AD74E59A6111BE1D8C021E65B891C2A211167ABB8C5E079E09E2C8A8339C");

    /// <summary>One TLS record holding a ClientHello offering <paramref name="groups"/>, with these key shares and
    /// these signature schemes (null: no signature_algorithms extension), and any <paramref name="extra"/> extensions
    /// (type, raw data) before key_share, which stays the last one.</summary>
    public static byte[] Build(int[] groups, (int Group, byte[] Key)[] shares, ushort[]? signatureSchemes, (int Type, byte[] Data)[]? extra = null)
    {
        var body = new List<byte>();
        body.AddRange([0x03, 0x03]);                               // legacy_version
        body.AddRange(RandomBytes(32));                            // random
        body.Add(32); body.AddRange(RandomBytes(32));              // legacy_session_id
        body.AddRange(U16(2)); body.AddRange(U16(0x1301));         // cipher_suites: TLS_AES_128_GCM_SHA256
        body.AddRange([1, 0]);                                     // legacy_compression_methods: null

        var extensions = new List<byte>();
        Extension(extensions, 43, [2, 0x03, 0x04]);                // supported_versions: TLS 1.3
        Extension(extensions, 10, Vector16(groups.SelectMany(g => U16(g))));
        if (signatureSchemes is not null) Extension(extensions, 13, Vector16(signatureSchemes.SelectMany(s => U16(s))));
        foreach (var (type, data) in extra ?? []) Extension(extensions, type, data);
        Extension(extensions, 51, Vector16(shares.SelectMany(s => U16(s.Group).Concat(Vector16(s.Key)))));
        body.AddRange(Vector16(extensions));

        var handshake = new List<byte> { 1 };                      // client_hello
        handshake.AddRange(U24(body.Count));
        handshake.AddRange(body);
        var record = new List<byte> { 0x16, 0x03, 0x01 };
        record.AddRange(U16(handshake.Count));
        record.AddRange(handshake);
        return [.. record];
    }

    /// <summary>A key share of <paramref name="length"/> random bytes.</summary>
    public static (int Group, byte[] Key) Share(int group, int length) => (group, RandomBytes(length));

    /// <summary>The server's first record, as what it means to a client.</summary>
    public static async Task<ServerAnswer> ReadAnswerAsync(NetworkStream stream)
    {
        var header = new byte[5];
        if (!await ReadExactlyOrEndAsync(stream, header)) return new ServerAnswer(ServerAnswerKind.Closed, null);
        var body = new byte[BinaryPrimitives.ReadUInt16BigEndian(header.AsSpan(3))];
        if (!await ReadExactlyOrEndAsync(stream, body)) return new ServerAnswer(ServerAnswerKind.Closed, null);
        return header[0] switch
        {
            0x15 => new ServerAnswer(ServerAnswerKind.Alert, body[1]),
            0x16 when body[0] == 2 => new ServerAnswer(body.AsSpan(6, 32).SequenceEqual(HelloRetryRandom)
                ? ServerAnswerKind.HelloRetryRequest : ServerAnswerKind.ServerHello, null),
            _ => new ServerAnswer(ServerAnswerKind.Other, header[0]),
        };
    }

    private static async Task<bool> ReadExactlyOrEndAsync(NetworkStream stream, byte[] buffer)
    {
        using var cts = new CancellationTokenSource(Loopback.Deadline);
        try
        {
            await stream.ReadExactlyAsync(buffer, cts.Token);
            return true;
        }
        catch (EndOfStreamException) { return false; }
        catch (IOException) { return false; }
    }

    private static void Extension(List<byte> to, int type, IEnumerable<byte> data)
    {
        var bytes = data.ToArray();
        to.AddRange(U16(type));
        to.AddRange(U16(bytes.Length));
        to.AddRange(bytes);
    }

    private static byte[] Vector16(IEnumerable<byte> data)
    {
        var bytes = data.ToArray();
        return [.. U16(bytes.Length), .. bytes];
    }

    private static byte[] U16(int v) => [(byte)(v >> 8), (byte)v];
    private static byte[] U24(int v) => [(byte)(v >> 16), (byte)(v >> 8), (byte)v];

    private static byte[] RandomBytes(int n)
    {
        var b = new byte[n];
        Random.Shared.NextBytes(b);
        return b;
    }
}

internal enum ServerAnswerKind { Alert, ServerHello, HelloRetryRequest, Closed, Other }

/// <summary>What the server sent first; <c>Code</c> is the alert description for an alert.</summary>
internal sealed record ServerAnswer(ServerAnswerKind Kind, int? Code);
