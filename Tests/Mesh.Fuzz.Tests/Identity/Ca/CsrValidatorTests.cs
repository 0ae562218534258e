using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Fuzz.Tests.Identity.Ca;

/// <summary>CSRs the fuzzer found crashing the validator, each pinned as found.</summary>
public sealed class CsrValidatorTests
{
    private static readonly SpiffeId Books = SpiffeId.Create(SpiffeId.DefaultTrustDomain, "default", "books");

    [Fact]
    public void Validate_UnknownSignatureAlgorithm_RejectedAsBadSignature()
    {
        var der = CsrBuilder.Create(Books).Der;
        // The signatureAlgorithm after the request info: ecdsa-with-SHA256 (1.2.840.10045.4.3.2) → an OID .NET does not know.
        byte[] ecdsaSha256 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];
        var at = der.AsSpan().LastIndexOf(ecdsaSha256);
        Assert.True(at > 0);
        der[at + 5] = 0x39;

        var rejection = CsrValidator.Validate(der, Books, out var request);

        Assert.Null(request);
        Assert.NotNull(rejection);
        Assert.Equal(CsrError.BadSignature, rejection.Error);
    }
}
