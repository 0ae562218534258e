using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using CsCheck;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Identity.Ca;
using Mesh.Names;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Identity.Ca;

/// <summary>A Certify request's two inputs as the CA sees them: the identity string (SpiffeId.TryParse) and the CSR DER
/// (CertificateAuthority.IssueLeaf → CsrValidator). A bad request is a typed rejection, never an exception; an issued
/// leaf names exactly the requested identity.</summary>
public sealed class CertifyRequestFuzzTests(ITestOutputHelper output)
{
    private static readonly CertificateAuthority Ca = CertificateAuthority.Create();
    private static readonly SpiffeId Books = SpiffeId.Create(SpiffeId.DefaultTrustDomain, "default", "books");

    /// <summary>CSRs a proxy sends and near misses: other key types and curves, extra SANs, a long subject.</summary>
    internal static List<byte[]> CsrSeeds()
    {
        var seeds = new List<byte[]> { CsrBuilder.Create(Books).Der, CsrBuilder.Create(SpiffeId.Create("cluster.local", "ns", "other")).Der };
        using var rsa = RSA.Create(1024);
        var r = new CertificateRequest("CN=books", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        seeds.Add(r.CreateSigningRequest());
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        seeds.Add(new CertificateRequest("CN=books", p384, HashAlgorithmName.SHA384).CreateSigningRequest());
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var rich = new CertificateRequest("CN=" + Books.DnsName + ",O=mesh,OU=" + new string('x', 200), p256, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri(Books.Uri));
        san.AddDnsName(Books.DnsName);
        san.AddDnsName("evil.example");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        rich.CertificateExtensions.Add(san.Build());
        rich.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        seeds.Add(rich.CreateSigningRequest());
        return seeds;
    }

    private static readonly byte[][] DerTokens = [[0x30, 0x80], [0x30, 0x84, 0xff, 0xff, 0xff, 0xff], [0x06, 0x00], [0x05, 0x00], [0x03, 0x01, 0x08],
        [0xa0, 0x00], [0x02, 0x81, 0x00], [0x30, 0x00], [0x86, 0x00], [0x0c, 0x02, 0xc3, 0x28], [0x17, 0x00], [0x1f, 0xff, 0xff, 0xff, 0x7f]];

    [Fact]
    public void IssueLeaf_MutatedCsr_RejectionOrLeafForTheCaller()
    {
        var mutator = new Mutator(CsrSeeds(), DerTokens);
        FuzzRun.Run(output, "certify-csr", mutator.Inputs(), CheckCsr, ciCases: 400, FuzzRun.Show);
    }

    internal static void CheckCsr(byte[] der)
    {
        var result = Ca.IssueLeaf(der, Books);
        if (result.IsSuccess)
        {
            var (uris, _) = SubjectAltNames.Read(result.Issued!.Leaf.Extensions.Cast<X509Extension>());
            if (uris.Count != 1 || uris[0] != Books.Uri) throw new FuzzFailure($"issued a leaf for {string.Join(",", uris)}");
        }
        else if (string.IsNullOrWhiteSpace(result.Rejection!.Message)) throw new FuzzFailure("a rejection without a message");
    }

    [Fact]
    public void TryParse_MutatedIdentity_ParsesToItsOwnUriOrFails()
    {
        var seeds = Mutator.Tokens("spiffe://cluster.local/ns/default/sa/books", "spiffe://cluster.local/ns/a/sa/b", "spiffe://td/ns/x/sa/y/z",
            "spiffe://Cluster.Local/ns/default/sa/books", "spiffe:///ns/x/sa/y", "http://cluster.local/ns/x/sa/y", "spiffe://cluster.local/ns//sa/y");
        var tokens = Mutator.Tokens("/", "//", "ns/", "sa/", ":", "@", "%2f", "%00", "?", "#", "..", ".", " ", "\u0130", "\u212a", "xn--", "\\");
        FuzzRun.Run(output, "certify-identity", new Mutator(seeds, tokens).Inputs(), CheckIdentity, ciCases: 3000, FuzzRun.Show);
    }

    internal static void CheckIdentity(byte[] bytes)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (!SpiffeId.TryParse(text, out var id)) return;
        if (!SpiffeId.TryParse(id.Uri, out var again) || again.Uri != id.Uri || id.DnsName.Length == 0)
            throw new FuzzFailure($"'{text}' parsed to {id.Uri}, which does not parse back to itself");
    }
}
