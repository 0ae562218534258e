using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Cli.Commands;

namespace Mesh.Cli.Kubernetes.Check;

/// <summary>Whether a PEM certificate found in the cluster (a webhook caBundle, a Secret's ca.crt / tls.crt) is one,
/// and how long it stays valid: expired or not yet valid fails, under <see cref="WarnDays"/> days left warns.</summary>
internal static class CertificateCheck
{
    public const int WarnDays = 30;

    /// <summary>The first certificate of <paramref name="pem"/>, or why there is none.</summary>
    public static X509Certificate2? Parse(byte[]? pem, out string? error)
    {
        error = null;
        if (pem is null || pem.Length == 0)
        {
            error = "empty";
            return null;
        }
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(Encoding.ASCII.GetString(pem));
        }
        catch (CryptographicException e)
        {
            error = $"not a PEM certificate ({e.Message})";
            return null;
        }
        if (collection.Count == 0) error = "no PEM CERTIFICATE block";
        return collection.Count == 0 ? null : collection[0];
    }

    /// <summary>The check line for <paramref name="what"/> ("trust anchor (Secret mesh/mesh-trust-anchor ca.crt)").</summary>
    public static CheckResult Validity(string category, string what, byte[]? pem, DateTimeOffset now, string renewFix)
    {
        var name = $"{what} is a valid certificate";
        var cert = Parse(pem, out var error);
        if (cert is null) return new(category, name, CheckStatus.Fail, error, renewFix);
        using (cert) return Validity(category, name, cert, now, renewFix);
    }

    public static CheckResult Validity(string category, string name, X509Certificate2 cert, DateTimeOffset now, string renewFix)
    {
        var subject = cert.Subject.Length > 0 ? cert.Subject : "certificate";
        if (now < cert.NotBefore.ToUniversalTime())
            return new(category, name, CheckStatus.Fail, $"{subject} is not valid before {Stamp(cert.NotBefore)}", "check this machine's clock, else " + renewFix);
        var left = cert.NotAfter.ToUniversalTime() - now.UtcDateTime;
        if (left <= TimeSpan.Zero)
            return new(category, name, CheckStatus.Fail, $"{subject} expired {Stamp(cert.NotAfter)}", renewFix);
        var days = (int)Math.Floor(left.TotalDays);
        return days < WarnDays
            ? new(category, name, CheckStatus.Warn, $"{subject} expires in {days} days (warning below {WarnDays})", renewFix)
            : new(category, name, CheckStatus.Ok, $"{days} days left");
    }

    /// <summary>True when <paramref name="leaf"/> chains to <paramref name="anchor"/> (signature and CA constraints).</summary>
    public static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 anchor, DateTimeOffset now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = now.UtcDateTime;
        // Validity is its own check line; here only whether the anchor signed it.
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.IgnoreNotTimeValid;
        return chain.Build(leaf);
    }

    private static string Stamp(DateTime t) => t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}
