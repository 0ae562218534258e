using System.Security.Cryptography;
using Org.BouncyCastle.Tls.Crypto.Impl;

namespace Mesh.Identity.Tls;

/// <summary>One direction of a TLS record cipher on .NET's AEAD primitives. BouncyCastle calls Init (nonce, AAD) then
/// DoFinal for each record, in place; calls are serialized by the owning connection.</summary>
internal sealed class DotNetAeadCipher(DotNetAeadCipher.Algorithm algorithm, bool encrypt) : TlsAeadCipherImpl
{
    public enum Algorithm { AesGcm, ChaCha20Poly1305 }

    private const int TagSize = 16;
    private IDisposable? _cipher;
    private byte[] _nonce = [];
    private byte[]? _additionalData;

    public void SetKey(byte[] key, int keyOff, int keyLen) => SetKey(key.AsSpan(keyOff, keyLen));

    public void SetKey(ReadOnlySpan<byte> key)
    {
        _cipher?.Dispose();
        _cipher = algorithm == Algorithm.AesGcm ? new AesGcm(key, TagSize) : new ChaCha20Poly1305(key);
    }

    public void Init(byte[] nonce, int macSize, byte[] additionalData)
    {
        if (macSize != TagSize) throw new ArgumentOutOfRangeException(nameof(macSize), macSize, "only 16-byte tags are used");
        _nonce = nonce;
        _additionalData = additionalData;
    }

    public int GetOutputSize(int inputLength) => encrypt ? inputLength + TagSize : inputLength - TagSize;

    public int DoFinal(byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset) =>
        DoFinal(_additionalData, input, inputOffset, inputLength, output, outputOffset);

    public int DoFinal(byte[]? additionalData, byte[] input, int inputOffset, int inputLength, byte[] output, int outputOffset)
    {
        var aad = additionalData ?? [];
        if (encrypt)
        {
            var plaintext = input.AsSpan(inputOffset, inputLength);
            var ciphertext = output.AsSpan(outputOffset, inputLength);
            var tag = output.AsSpan(outputOffset + inputLength, TagSize);
            if (_cipher is AesGcm gcm) gcm.Encrypt(_nonce, plaintext, ciphertext, tag, aad);
            else ((ChaCha20Poly1305)_cipher!).Encrypt(_nonce, plaintext, ciphertext, tag, aad);
            return inputLength + TagSize;
        }
        var length = inputLength - TagSize;
        if (length < 0) throw new CryptographicException("record shorter than its authentication tag");
        var cipherText = input.AsSpan(inputOffset, length);
        var tagIn = input.AsSpan(inputOffset + length, TagSize);
        var plain = output.AsSpan(outputOffset, length);
        if (_cipher is AesGcm dgcm) dgcm.Decrypt(_nonce, cipherText, tagIn, plain, aad);
        else ((ChaCha20Poly1305)_cipher!).Decrypt(_nonce, cipherText, tagIn, plain, aad);
        return length;
    }

    public void Reset()
    {
    }
}
