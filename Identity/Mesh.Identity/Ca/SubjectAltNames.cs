using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;
using Mesh.Names;

namespace Mesh.Identity.Ca;

/// <summary>Reads the URI and DNS entries of a subjectAltName extension (.NET has no URI enumerator).</summary>
internal static class SubjectAltNames
{
    public const string Oid = "2.5.29.17";
    private static readonly Asn1Tag DnsTag = new(TagClass.ContextSpecific, 2);
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>URIs and DNS names of the SAN extension in <paramref name="extensions"/>; empty lists when absent.</summary>
    public static (List<string> Uris, List<string> DnsNames) Read(IEnumerable<X509Extension> extensions)
    {
        var uris = new List<string>();
        var dns = new List<string>();
        foreach (var ext in extensions)
        {
            if (ext.Oid?.Value != Oid) continue;
            var reader = new AsnReader(ext.RawData, AsnEncodingRules.DER);
            var seq = reader.ReadSequence();
            reader.ThrowIfNotEmpty();
            while (seq.HasData)
            {
                var tag = seq.PeekTag();
                if (tag.HasSameClassAndValue(UriTag)) uris.Add(seq.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                else if (tag.HasSameClassAndValue(DnsTag)) dns.Add(seq.ReadCharacterString(UniversalTagNumber.IA5String, DnsTag));
                else seq.ReadEncodedValue();
            }
        }
        return (uris, dns);
    }

    /// <summary>The trust domains a CA certificate names in spiffe:// URI SANs without a path (an issuer's
    /// "spiffe://west.mesh"); empty for a CA that names none (an anchor, an issuer made before issuers named theirs).</summary>
    public static List<string> CaTrustDomains(X509Certificate2 certificate)
    {
        var domains = new List<string>();
        foreach (var uri in Read(certificate.Extensions).Uris)
        {
            if (!uri.StartsWith(SpiffeId.Scheme, StringComparison.Ordinal)) continue;
            var rest = uri[SpiffeId.Scheme.Length..].TrimEnd('/');
            // A CA SAN with a path is not a trust domain: kept as it is, so it matches no leaf's trust domain.
            domains.Add(rest);
        }
        return domains;
    }

    /// <summary>The single spiffe:// URI of a certificate, or null when it has none or several.</summary>
    public static string? SpiffeUri(X509Certificate2 certificate)
    {
        List<string> uris;
        try
        {
            (uris, _) = Read(certificate.Extensions);
        }
        catch (AsnContentException)
        {
            return null;
        }
        string? found = null;
        foreach (var uri in uris)
        {
            if (!uri.StartsWith(SpiffeId.Scheme, StringComparison.Ordinal)) continue;
            if (found is not null) return null;
            found = uri;
        }
        return found;
    }
}
