using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Ca;

/// <summary>The set of trust anchors a peer accepts; several at once during anchor rotation. Immutable.</summary>
public sealed class TrustBundle
{
    public TrustBundle(IEnumerable<X509Certificate2> anchors)
    {
        Anchors = [.. anchors.DistinctBy(a => a.Thumbprint)];
        if (Anchors.IsEmpty) throw new ArgumentException("a trust bundle needs at least one anchor", nameof(anchors));
        Collection = new X509Certificate2Collection(Anchors.ToArray());
        Thumbprints = [.. Anchors.Select(a => a.Thumbprint)];
    }

    /// <summary>The anchors (public certificates only).</summary>
    public ImmutableArray<X509Certificate2> Anchors { get; }

    /// <summary>Anchor thumbprints, to key validation caches.</summary>
    public ImmutableHashSet<string> Thumbprints { get; }

    internal X509Certificate2Collection Collection { get; }

    /// <summary>A bundle with one more anchor.</summary>
    public TrustBundle With(X509Certificate2 anchor) => new(Anchors.Add(anchor));

    /// <summary>Parses a PEM bundle; throws <see cref="FormatException"/> when it holds no certificate.</summary>
    public static TrustBundle FromPem(string pem)
    {
        var certs = PemFiles.ParseCertificates(pem);
        if (certs.Count == 0) throw new FormatException("trust bundle: no PEM CERTIFICATE block found");
        return new TrustBundle(certs);
    }

    /// <summary>Loads a PEM bundle file.</summary>
    public static TrustBundle Load(string path) => FromPem(File.ReadAllText(path));

    /// <summary>The bundle as PEM.</summary>
    public string ToPem() => string.Concat(Anchors.Select(PemFiles.CertificatePem));

    /// <summary>Writes the bundle as PEM (public data: mode 0644).</summary>
    public void Save(string path) => PemFiles.WriteAtomically(path, ToPem(), secret: false);
}
