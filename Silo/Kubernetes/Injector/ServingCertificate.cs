using System.Security.Cryptography.X509Certificates;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>The webhook's serving certificate from PEM files (a mounted Secret). Re-read when either file changes
/// (checked at most every 10 s, on a handshake), so a rotated Secret takes effect without a restart; a rotation that
/// leaves an unreadable pair keeps the last good certificate and logs why.</summary>
internal sealed partial class ServingCertificate(string certFile, string keyFile, TimeProvider time, ILogger logger)
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(10);
    private readonly Lock _lock = new();
    private X509Certificate2? _current;
    private (DateTime Cert, DateTime Key) _stamp;
    private DateTimeOffset _checked = DateTimeOffset.MinValue;

    /// <summary>Loads the pair now; throws (the silo's start fails) when it is unusable.</summary>
    public X509Certificate2 Load()
    {
        lock (_lock)
        {
            _stamp = Stamp();
            _current = Read();
            _checked = time.GetUtcNow();
            return _current;
        }
    }

    public X509Certificate2 Current
    {
        get
        {
            lock (_lock)
            {
                var now = time.GetUtcNow();
                if (_current is not null && now - _checked < CheckEvery) return _current;
                _checked = now;
                var stamp = Stamp();
                if (_current is not null && stamp == _stamp) return _current;
                try
                {
                    _current = Read();
                    _stamp = stamp;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
                {
                    if (_current is null) throw;
                    LogReloadFailed(logger, certFile, e.Message);
                }
                return _current;
            }
        }
    }

    private (DateTime, DateTime) Stamp() => (File.GetLastWriteTimeUtc(certFile), File.GetLastWriteTimeUtc(keyFile));

    private X509Certificate2 Read()
    {
        using var pem = X509Certificate2.CreateFromPemFile(certFile, keyFile);
        // An ephemeral PEM key cannot serve TLS everywhere; a PKCS#12 round trip makes it a persisted one.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "injector: cannot reload the serving certificate {CertFile} ({Error}); keeping the previous one")]
    private static partial void LogReloadFailed(ILogger logger, string certFile, string error);
}
