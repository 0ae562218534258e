using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Names;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Identity;

/// <summary>Gets this proxy its certificate and keeps it fresh: a new in-memory key and CSR per request, Certify with
/// the workload token, swap the credentials whole, renew at 70 % of the lifetime, and on failure retry with jittered
/// backoff (1 s → 60 s) while the current certificate stays in use.</summary>
internal sealed partial class ProxyIdentity(
    Api.V1.Identity.IdentityClient client,
    SpiffeId identity,
    IWorkloadToken token,
    TrustBundle trust,
    MeshCredentialsHolder holder,
    TimeProvider time,
    ILogger<ProxyIdentity> log) : IAsyncDisposable
{
    private static readonly TimeSpan MinBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(60);
    private readonly CancellationTokenSource stop = new();
    private readonly TaskCompletionSource firstCertified = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? loop;
    private int disposed;
    private volatile string? notReadyReason = $"identity: waiting for a certificate for {identity}";

    public SpiffeId Identity { get; } = identity;
    public MeshCredentialsHolder Credentials { get; } = holder;

    /// <summary>Null once a certificate is held; otherwise why not yet (shown by /ready).</summary>
    public string? NotReadyReason => notReadyReason;

    /// <summary>Completes when the first certificate arrived.</summary>
    public Task FirstCertified => firstCertified.Task;

    public void Start() => loop ??= Task.Run(() => RunAsync(stop.Token));

    private async Task RunAsync(CancellationToken ct)
    {
        var backoff = MinBackoff;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var credentials = await CertifyOnceAsync(ct);
                Credentials.Update(credentials);
                notReadyReason = null;
                firstCertified.TrySetResult();
                LogCertified(log, Identity.Uri, credentials.NotAfter);
                backoff = MinBackoff;
                wait = credentials.RenewAt - time.GetUtcNow();
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is RpcException or CsrRejectedException or IOException or ArgumentException
                or InvalidOperationException or System.Security.Cryptography.CryptographicException)
            {
                var reason = e is RpcException rpc ? $"{rpc.StatusCode}: {rpc.Status.Detail}" : e.Message;
                if (Credentials.Current is null || Credentials.Current.NotAfter <= time.GetUtcNow())
                    notReadyReason = $"identity: Certify for {Identity} failed ({reason}); retrying";
                LogCertifyFailed(log, Identity.Uri, reason);
                wait = Jitter(backoff);
                backoff = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, backoff.Ticks * 2));
            }
            if (wait < TimeSpan.Zero) wait = TimeSpan.Zero;
            try { await Task.Delay(wait, time, ct); }
            catch (OperationCanceledException) { return; }
        }
    }

    private async Task<MeshCredentials> CertifyOnceAsync(CancellationToken ct)
    {
        using var csr = CsrBuilder.Create(Identity);
        var request = new CertifyRequest
        {
            Identity = Identity.Uri,
            Token = await token.ReadAsync(ct),
            CertificateSigningRequest = Google.Protobuf.ByteString.CopyFrom(csr.Der),
        };
        var response = await client.CertifyAsync(request, deadline: time.GetUtcNow().UtcDateTime.AddSeconds(10), cancellationToken: ct);
        // The key moves into the credentials; the CSR wrapper must not dispose it.
        var key = System.Security.Cryptography.ECDsa.Create(csr.Key.ExportParameters(includePrivateParameters: true));
        return MeshCredentials.Create(key, response.LeafCertificate.ToByteArray(),
            response.IntermediateCertificates.Select(b => b.ToByteArray()), trust);
    }

    private static TimeSpan Jitter(TimeSpan backoff) => backoff * (0.5 + Random.Shared.NextDouble() * 0.5);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1) return;
        await stop.CancelAsync();
        if (loop is not null)
        {
            try { await loop; } catch (OperationCanceledException) { }
        }
        stop.Dispose();
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "certified as {Identity} until {NotAfter:O}")]
    private static partial void LogCertified(ILogger logger, string identity, DateTimeOffset notAfter);

    [LoggerMessage(EventId = 302, Level = LogLevel.Warning, Message = "certify {Identity} failed: {Reason}")]
    private static partial void LogCertifyFailed(ILogger logger, string identity, string reason);
}
