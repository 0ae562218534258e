using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Names;

namespace Mesh.Identity.Ca;

/// <summary>Checks a PKCS#10 request before the CA signs anything: parses, key type and curve, self-signature, identity.</summary>
public static class CsrValidator
{
    /// <summary>Validates <paramref name="csrDer"/> for <paramref name="requested"/>; returns the parsed request or a rejection.</summary>
    public static CsrRejection? Validate(ReadOnlySpan<byte> csrDer, SpiffeId requested, out CertificateRequest? request)
    {
        request = null;
        CertificateRequest parsed;
        try
        {
            // Parse first without the signature check, so garbage and forged signatures get different answers.
            parsed = CertificateRequest.LoadSigningRequest(csrDer, MeshCrypto.Hash, out var consumed,
                CertificateRequestLoadOptions.SkipSignatureValidation | CertificateRequestLoadOptions.UnsafeLoadCertificateExtensions);
            if (consumed != csrDer.Length) return new CsrRejection(CsrError.Malformed, $"CSR: {csrDer.Length - consumed} trailing bytes after the DER request");
        }
        catch (Exception e) when (e is CryptographicException or AsnContentException or ArgumentException)
        {
            return new CsrRejection(CsrError.Malformed, $"CSR is not a DER PKCS#10 request: {e.Message}");
        }

        var algorithm = parsed.PublicKey.Oid.Value;
        if (algorithm != MeshCrypto.EcPublicKeyOid)
        {
            var name = parsed.PublicKey.Oid.FriendlyName ?? algorithm ?? "unknown";
            return new CsrRejection(CsrError.UnsupportedKeyType, $"CSR key is {name}; the mesh accepts only ECDSA P-256 keys");
        }
        string? curve;
        try
        {
            curve = AsnDecoder.ReadObjectIdentifier(parsed.PublicKey.EncodedParameters?.RawData ?? [], AsnEncodingRules.DER, out _);
        }
        catch (AsnContentException)
        {
            curve = null;
        }
        if (curve != MeshCrypto.CurveOid)
        {
            return new CsrRejection(CsrError.UnsupportedCurve, $"CSR key is on curve {curve ?? "(explicit parameters)"}; the mesh accepts only P-256 ({MeshCrypto.CurveOid})");
        }

        try
        {
            CertificateRequest.LoadSigningRequest(csrDer, MeshCrypto.Hash, out _, CertificateRequestLoadOptions.Default);
        }
        catch (CryptographicException e)
        {
            return new CsrRejection(CsrError.BadSignature, $"CSR signature does not verify with its own key: {e.Message}");
        }
        catch (NotSupportedException e)
        {
            // .NET refuses a signature algorithm it does not know (found by fuzzing; was an uncaught exception → gRPC Internal).
            return new CsrRejection(CsrError.BadSignature, $"CSR is not signed with ECDSA over SHA-256: {e.Message}");
        }

        var identityError = CheckIdentity(parsed, requested);
        if (identityError is not null) return identityError;
        request = parsed;
        return null;
    }

    private static CsrRejection? CheckIdentity(CertificateRequest parsed, SpiffeId requested)
    {
        List<string> uris, dns;
        try
        {
            (uris, dns) = SubjectAltNames.Read(parsed.CertificateExtensions);
        }
        catch (AsnContentException e)
        {
            return new CsrRejection(CsrError.Malformed, $"CSR subjectAltName is not valid DER: {e.Message}");
        }
        if (uris.Count != 1 || uris[0] != requested.Uri)
        {
            var seen = uris.Count == 0 ? "no URI SAN" : "URI SAN " + string.Join(", ", uris);
            return new CsrRejection(CsrError.IdentityMismatch, $"CSR names {seen}; the caller may only request {requested.Uri}");
        }
        foreach (var name in dns)
        {
            if (!string.Equals(name, requested.DnsName, StringComparison.OrdinalIgnoreCase))
                return new CsrRejection(CsrError.IdentityMismatch, $"CSR DNS SAN {name} is not {requested.DnsName}");
        }
        var cn = parsed.SubjectName.GetCommonName();
        if (cn is not null && cn != requested.Uri && !string.Equals(cn, requested.DnsName, StringComparison.OrdinalIgnoreCase))
        {
            return new CsrRejection(CsrError.IdentityMismatch, $"CSR subject CN={cn} is not {requested.DnsName}");
        }
        return null;
    }

    private static string? GetCommonName(this X500DistinguishedName name)
    {
        foreach (var rdn in name.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == "2.5.4.3") return rdn.GetSingleElementValue();
        }
        return null;
    }
}
