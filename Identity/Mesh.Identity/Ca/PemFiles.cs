using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Ca;

/// <summary>Reads and writes certificates and keys as PEM; private keys are created with mode 0600 and replaced atomically.</summary>
public static class PemFiles
{
    /// <summary>Writes <paramref name="text"/> to <paramref name="path"/> via a temporary file and a rename, so a crash never leaves half a key.</summary>
    public static void WriteAtomically(string path, string text, bool secret)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var tmp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.tmp");
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = secret
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite
                : UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
        }
        using (var stream = new FileStream(tmp, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }
        if (secret && !OperatingSystem.IsWindows()) File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(tmp, path, overwrite: true);
    }

    /// <summary>PEM of a certificate.</summary>
    public static string CertificatePem(X509Certificate2 certificate) => certificate.ExportCertificatePem() + "\n";

    /// <summary>PKCS#8 PEM of the certificate's ECDSA private key.</summary>
    public static string PrivateKeyPem(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException($"certificate {certificate.Subject} has no ECDSA private key");
        return key.ExportPkcs8PrivateKeyPem() + "\n";
    }

    /// <summary>Loads a certificate and, when <paramref name="keyPath"/> exists, its private key.</summary>
    public static X509Certificate2 LoadCertificate(string certPath, string? keyPath)
    {
        var certPem = File.ReadAllText(certPath);
        if (keyPath is not null && File.Exists(keyPath))
        {
            return X509Certificate2.CreateFromPem(certPem, File.ReadAllText(keyPath));
        }
        return X509Certificate2.CreateFromPem(certPem);
    }

    /// <summary>All certificates in a PEM text (a bundle).</summary>
    public static List<X509Certificate2> ParseCertificates(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return [.. collection];
    }

    /// <summary>Attaches an ECDSA key to a certificate in a form that TLS code can sign with on every platform.</summary>
    internal static X509Certificate2 WithKey(X509Certificate2 certificate, ECDsa key)
    {
        using var pub = X509CertificateLoader.LoadCertificate(certificate.RawData);
        return pub.CopyWithPrivateKey(key);
    }
}
