using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;
using Mesh.Abstractions;
using Mesh.Abstractions.Grains;

namespace Mesh.Grains.Identity;

/// <summary>Certifies one workload identity. Keeps the last issued certificates (for `mesh identity list`) and a
/// per-identity request budget: a proxy renews at 70 % of a 24 h lifetime, so more than a burst a minute is abuse.</summary>
internal sealed class IdentityGrain(
    [PersistentState("state", MeshNames.StateStore)] IPersistentState<IdentityState> state,
    IWorkloadCertificateIssuer issuer,
    IGrainFactory grains,
    TimeProvider time) : Grain, IIdentityGrain
{
    private const int KeepIssued = 16;
    private readonly CertifyRateLimiter limiter = new(burst: 20, perMinute: 20, time);

    public async Task<CertifyOutcome> CertifyAsync(byte[] csrDer)
    {
        if (!limiter.TryAcquire())
            return CertifyOutcome.Fail(CertifyError.RateLimited, $"identity {this.GetPrimaryKeyString()}: too many certificate requests; retry in a minute");
        if (!issuer.Ready)
            return CertifyOutcome.Fail(CertifyError.CaUnavailable, "the certificate authority is not loaded yet; retry shortly");
        var (ns, sa) = MeshNames.SplitKey(this.GetPrimaryKeyString());
        var spiffeId = Names.SpiffeId.Format(issuer.TrustDomain, ns, sa);
        var outcome = issuer.Issue(spiffeId, csrDer);
        if (outcome.Error != CertifyError.None || outcome.LeafDer is null) return outcome;

        using var leaf = X509CertificateLoader.LoadCertificate(outcome.LeafDer);
        var issued = new IssuedCertificate(spiffeId, leaf.SerialNumber, leaf.NotBefore.ToUniversalTime(), leaf.NotAfter.ToUniversalTime(), leaf.Issuer);
        var first = state.State.Issued.IsEmpty;
        state.State = state.State with { Issued = state.State.Issued.Insert(0, issued).Take(KeepIssued).ToImmutableArray() };
        await state.WriteStateAsync();
        if (first)
            await grains.GetGrain<IIdentityDirectoryGrain>(IdentityDirectoryGrain.Key).AddAsync(this.GetPrimaryKeyString());
        return outcome;
    }

    public Task<ImmutableArray<IssuedCertificate>> ListIssuedAsync() => Task.FromResult(state.State.Issued);
}

[GenerateSerializer, Alias("mesh.IdentityState")]
public sealed record IdentityState
{
    [Id(0)] public ImmutableArray<IssuedCertificate> Issued { get; init; } = ImmutableArray<IssuedCertificate>.Empty;
}
