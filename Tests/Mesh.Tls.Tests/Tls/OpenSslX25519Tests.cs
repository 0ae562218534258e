using Mesh.Tls.Tls;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Mesh.Tls.Tests.Tls;

public sealed class OpenSslX25519Tests
{
    [Fact]
    public void Agree_Rfc7748Vector_MatchesExpectedSecret()
    {
        Assert.True(OpenSslX25519.IsAvailable, "libcrypto.so.3 should be present wherever .NET runs on Linux");
        // RFC 7748 §6.1.
        var alicePrivate = Convert.FromHexString("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        var bobPublic = Convert.FromHexString("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
        Assert.Equal("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742",
            Convert.ToHexString(OpenSslX25519.Agree(alicePrivate, bobPublic)).ToLowerInvariant());
    }

    [Fact]
    public void Agree_WithBouncyCastlePeer_SameSecretBothSides()
    {
        var generator = new X25519KeyPairGenerator();
        generator.Init(new X25519KeyGenerationParameters(new SecureRandom()));
        var bc = generator.GenerateKeyPair();
        var bcPublic = ((X25519PublicKeyParameters)bc.Public).GetEncoded();
        var (ours, ourPublic) = OpenSslX25519.GenerateKeyPair();

        var agreement = new X25519Agreement();
        agreement.Init(bc.Private);
        var bcSecret = new byte[32];
        agreement.CalculateAgreement(new X25519PublicKeyParameters(ourPublic), bcSecret, 0);
        Assert.Equal(bcSecret, OpenSslX25519.Agree(ours, bcPublic));
    }

    [Fact]
    public void Agree_ShortPeerValue_IllegalParameter()
    {
        var (ours, _) = OpenSslX25519.GenerateKeyPair();
        Assert.Throws<Org.BouncyCastle.Tls.TlsFatalAlert>(() => OpenSslX25519.Agree(ours, new byte[31]));
    }
}
