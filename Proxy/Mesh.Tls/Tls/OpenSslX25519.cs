using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Org.BouncyCastle.Tls;
using Org.BouncyCastle.Tls.Crypto;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Mesh.Tls.Tls;

/// <summary>
/// X25519 on the system's OpenSSL (libcrypto 3), used for the classical half of both key-exchange groups. BouncyCastle's
/// managed X25519 costs ~240 µs per key and ~440 µs per agreement here, which alone made a handshake dearer than
/// SslStream's; OpenSSL does both in a few tens of µs. Where libcrypto 3 is missing, BouncyCastle's code is used.
/// </summary>
internal static partial class OpenSslX25519
{
    private const string LibCrypto = "libcrypto.so.3";
    private const int NidX25519 = 1034;
    private const int KeySize = 32;

    /// <summary>True when libcrypto could be loaded and produced a correct agreement once (checked at first use).</summary>
    public static bool IsAvailable { get; } = Probe();

    /// <summary>Creates a fresh private key and returns (private, public).</summary>
    public static (byte[] Private, byte[] Public) GenerateKeyPair()
    {
        var privateKey = RandomNumberGenerator.GetBytes(KeySize);
        var key = EVP_PKEY_new_raw_private_key(NidX25519, IntPtr.Zero, privateKey, KeySize);
        if (key == IntPtr.Zero) throw new CryptographicException("OpenSSL: X25519 private key import failed");
        try
        {
            var publicKey = new byte[KeySize];
            nuint length = KeySize;
            if (EVP_PKEY_get_raw_public_key(key, publicKey, ref length) != 1 || length != KeySize)
                throw new CryptographicException("OpenSSL: X25519 public key export failed");
            return (privateKey, publicKey);
        }
        finally
        {
            EVP_PKEY_free(key);
        }
    }

    /// <summary>The raw X25519 shared secret; throws when the peer value is malformed.</summary>
    public static byte[] Agree(byte[] privateKey, byte[] peerPublic)
    {
        if (peerPublic.Length != KeySize) throw new TlsFatalAlert(AlertDescription.illegal_parameter, "X25519 key share must be 32 bytes");
        var key = EVP_PKEY_new_raw_private_key(NidX25519, IntPtr.Zero, privateKey, KeySize);
        var peer = EVP_PKEY_new_raw_public_key(NidX25519, IntPtr.Zero, peerPublic, KeySize);
        var ctx = key == IntPtr.Zero ? IntPtr.Zero : EVP_PKEY_CTX_new(key, IntPtr.Zero);
        try
        {
            var secret = new byte[KeySize];
            nuint length = KeySize;
            if (key == IntPtr.Zero || peer == IntPtr.Zero || ctx == IntPtr.Zero
                || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, peer) != 1
                || EVP_PKEY_derive(ctx, secret, ref length) != 1 || length != KeySize)
            {
                throw new TlsFatalAlert(AlertDescription.illegal_parameter, "X25519 agreement failed");
            }
            return secret;
        }
        finally
        {
            if (ctx != IntPtr.Zero) EVP_PKEY_CTX_free(ctx);
            if (peer != IntPtr.Zero) EVP_PKEY_free(peer);
            if (key != IntPtr.Zero) EVP_PKEY_free(key);
        }
    }

    private static bool Probe()
    {
        try
        {
            var (a, aPub) = GenerateKeyPair();
            var (b, bPub) = GenerateKeyPair();
            return Agree(a, bPub).AsSpan().SequenceEqual(Agree(b, aPub));
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException or CryptographicException or TlsFatalAlert)
        {
            return false;
        }
    }

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_PKEY_new_raw_private_key(int type, IntPtr engine, byte[] key, nuint keyLength);

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_PKEY_new_raw_public_key(int type, IntPtr engine, byte[] key, nuint keyLength);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_get_raw_public_key(IntPtr key, byte[] publicKey, ref nuint length);

    [LibraryImport(LibCrypto)]
    private static partial void EVP_PKEY_free(IntPtr key);

    [LibraryImport(LibCrypto)]
    private static partial IntPtr EVP_PKEY_CTX_new(IntPtr key, IntPtr engine);

    [LibraryImport(LibCrypto)]
    private static partial void EVP_PKEY_CTX_free(IntPtr ctx);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_derive_init(IntPtr ctx);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_derive_set_peer(IntPtr ctx, IntPtr peer);

    [LibraryImport(LibCrypto)]
    private static partial int EVP_PKEY_derive(IntPtr ctx, byte[] secret, ref nuint length);
}

/// <summary>BouncyCastle's X25519 slot filled by <see cref="OpenSslX25519"/>: one ephemeral key per handshake.</summary>
internal sealed class OpenSslX25519Domain(BcTlsCrypto crypto) : TlsECDomain
{
    public TlsAgreement CreateECDH() => new Agreement(crypto);

    private sealed class Agreement(BcTlsCrypto crypto) : TlsAgreement
    {
        private byte[]? _private;
        private byte[]? _peer;

        public byte[] GenerateEphemeral()
        {
            (_private, var publicKey) = OpenSslX25519.GenerateKeyPair();
            return publicKey;
        }

        public void ReceivePeerValue(byte[] peerValue) => _peer = peerValue;

        public TlsSecret CalculateSecret()
        {
            if (_private is null || _peer is null) throw new TlsFatalAlert(AlertDescription.internal_error);
            var secret = OpenSslX25519.Agree(_private, _peer);
            // RFC 7748 §6.1: an all-zero result means the peer sent a low-order point.
            if (secret.AsSpan().IndexOfAnyExcept((byte)0) < 0) throw new TlsFatalAlert(AlertDescription.illegal_parameter, "X25519 low-order point");
            CryptographicOperations.ZeroMemory(_private);
            return crypto.CreateSecret(secret);
        }
    }
}
