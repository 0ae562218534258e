using System.Security.Cryptography;
using Mesh.Identity.Tls;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Tls.Crypto.Impl;
using Org.BouncyCastle.Tls.Crypto.Impl.BC;

namespace Mesh.Identity.Tests.Tls;

/// <summary>The .NET record ciphers must be byte-compatible with BouncyCastle's own, in both directions, for every suite.</summary>
public sealed class DotNetAeadCipherTests
{
    public static TheoryData<string, int> Suites => new() { { "aes", 16 }, { "aes", 32 }, { "chacha", 32 } };

    private static TlsAeadCipherImpl Bc(string algorithm, bool encrypt) =>
        algorithm == "aes" ? new BcGcm(encrypt) : new BcChaCha20Poly1305(encrypt);

    /// <summary>BouncyCastle's managed AES-GCM (its TLS wrapper is internal) behind the record-cipher interface.</summary>
    private sealed class BcGcm(bool encrypt) : TlsAeadCipherImpl
    {
        private readonly GcmBlockCipher _gcm = new(new AesEngine());
        private byte[] _key = [];

        public void SetKey(byte[] key, int keyOff, int keyLen) => _key = key.AsSpan(keyOff, keyLen).ToArray();

        public void SetKey(ReadOnlySpan<byte> key) => _key = key.ToArray();

        public void Init(byte[] nonce, int macSize, byte[] additionalData) =>
            _gcm.Init(encrypt, new Org.BouncyCastle.Crypto.Parameters.AeadParameters(new Org.BouncyCastle.Crypto.Parameters.KeyParameter(_key), macSize * 8, nonce, additionalData));

        public int GetOutputSize(int inputLength) => _gcm.GetOutputSize(inputLength);

        public int DoFinal(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset)
        {
            var copy = input.AsSpan(inputOffset, inputLength).ToArray();
            var n = _gcm.ProcessBytes(copy, 0, copy.Length, output, outputOffset);
            return n + _gcm.DoFinal(output, outputOffset + n);
        }

        public int DoFinal(byte[] additionalData, byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset) =>
            DoFinal(input, inputOffset, inputLength, output, outputOffset);

        public void Reset() => _gcm.Reset();
    }

    private static TlsAeadCipherImpl DotNet(string algorithm, bool encrypt) =>
        new DotNetAeadCipher(algorithm == "aes" ? DotNetAeadCipher.Algorithm.AesGcm : DotNetAeadCipher.Algorithm.ChaCha20Poly1305, encrypt);

    private static byte[] Seal(TlsAeadCipherImpl cipher, byte[] key, byte[] nonce, byte[] aad, byte[] plaintext)
    {
        cipher.SetKey(key, 0, key.Length);
        cipher.Init(nonce, 16, aad);
        var buffer = new byte[cipher.GetOutputSize(plaintext.Length)];
        plaintext.CopyTo(buffer, 0);
        Assert.Equal(buffer.Length, cipher.DoFinal(buffer, 0, plaintext.Length, buffer, 0)); // in place, as the record layer does
        return buffer;
    }

    private static byte[] Open(TlsAeadCipherImpl cipher, byte[] key, byte[] nonce, byte[] aad, byte[] sealedData)
    {
        cipher.SetKey(key, 0, key.Length);
        cipher.Init(nonce, 16, aad);
        var buffer = (byte[])sealedData.Clone();
        var n = cipher.DoFinal(buffer, 0, buffer.Length, buffer, 0);
        return buffer[..n];
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void DoFinal_SameInputs_MatchesBouncyCastleBothWays(string algorithm, int keySize)
    {
        var key = RandomNumberGenerator.GetBytes(keySize);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var aad = RandomNumberGenerator.GetBytes(5);
        var plaintext = RandomNumberGenerator.GetBytes(1000);

        var ours = Seal(DotNet(algorithm, true), key, nonce, aad, plaintext);
        var theirs = Seal(Bc(algorithm, true), key, nonce, aad, plaintext);
        Assert.Equal(theirs, ours);
        Assert.Equal(plaintext, Open(DotNet(algorithm, false), key, nonce, aad, theirs));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void DoFinal_TamperedRecord_Throws(string algorithm, int keySize)
    {
        var key = RandomNumberGenerator.GetBytes(keySize);
        var nonce = RandomNumberGenerator.GetBytes(12);
        var sealedData = Seal(DotNet(algorithm, true), key, nonce, [1, 2, 3], [9, 8, 7, 6]);
        sealedData[1] ^= 0x40;
        Assert.ThrowsAny<CryptographicException>(() => Open(DotNet(algorithm, false), key, nonce, [1, 2, 3], sealedData));
    }
}
