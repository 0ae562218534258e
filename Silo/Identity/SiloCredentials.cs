using Mesh.Identity.Ca;
using Mesh.Identity.Client;
using Mesh.Identity.Credentials;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Silo.Identity;

/// <summary>The silo's own certificate for its control port (identity spiffe://&lt;td&gt;/ns/mesh/sa/silo), issued by
/// its CA at start and renewed at 70 % of the lifetime; new handshakes pick up the newest, live connections stay.</summary>
internal sealed partial class SiloCredentials(SiloCertificateAuthority ca, TimeProvider time, ILogger<SiloCredentials> log) : BackgroundService
{
    public MeshCredentialsHolder Holder { get; } = new();

    /// <summary>Issues the first certificate (called before the listener binds).</summary>
    public void Issue()
    {
        var authority = ca.Authority;
        using var csr = CsrBuilder.Create(ControlPlaneConnection.SiloIdentity(ca.TrustDomain));
        var issued = authority.IssueLeafOrThrow(csr.Der, csr.Identity);
        // The key moves into the credentials; the CSR wrapper disposes its own copy.
        var key = System.Security.Cryptography.ECDsa.Create(csr.Key.ExportParameters(includePrivateParameters: true));
        Holder.Update(MeshCredentials.Create(key, issued.Leaf, issued.Intermediates, authority.TrustBundle));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var current = Holder.Current;
            var wait = current is null ? TimeSpan.Zero : current.RenewAt - time.GetUtcNow();
            try { await Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, stoppingToken); }
            catch (OperationCanceledException) { return; }
            try
            {
                Issue();
            }
            catch (Exception e) when (e is CsrRejectedException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                LogRenewFailed(log, e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(30), time, stoppingToken); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "renewing the silo's control-port certificate failed: {Reason}")]
    private static partial void LogRenewFailed(ILogger logger, string reason);
}
