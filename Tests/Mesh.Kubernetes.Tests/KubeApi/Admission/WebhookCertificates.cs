using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.Kubernetes.Tests.KubeApi.Admission;

/// <summary>A throwaway CA and a webhook serving certificate it signed (for 127.0.0.1 and the given DNS names), as PEM
/// files (what a mounted kubernetes.io/tls Secret holds) and as the caBundle a webhook configuration carries.</summary>
internal sealed class WebhookCertificates : IDisposable
{
    private WebhookCertificates(X509Certificate2 server, string caPem, string certFile, string keyFile)
    {
        Server = server;
        CaPem = caPem;
        CertFile = certFile;
        KeyFile = keyFile;
    }

    public X509Certificate2 Server { get; }
    public string CaPem { get; }
    public string CaBundle => Convert.ToBase64String(Encoding.ASCII.GetBytes(CaPem));
    public string CertFile { get; }
    public string KeyFile { get; }

    public static WebhookCertificates Create(string dir, params string[] dnsNames) => Create(dir, loopbackIp: true, dnsNames);

    public static WebhookCertificates Create(string dir, bool loopbackIp, params string[] dnsNames)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=webhook-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=webhook", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        if (loopbackIp) san.AddIpAddress(IPAddress.Loopback);
        foreach (var name in dnsNames) san.AddDnsName(name);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = signed.CopyWithPrivateKey(key);
        Directory.CreateDirectory(dir);
        var certFile = Path.Combine(dir, "tls.crt");
        var keyFile = Path.Combine(dir, "tls.key");
        File.WriteAllText(certFile, signed.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        var server = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
        return new WebhookCertificates(server, ca.ExportCertificatePem(), certFile, keyFile);
    }

    public void Dispose() => Server.Dispose();
}
