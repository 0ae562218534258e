using System.Collections.Immutable;

namespace Mesh.Abstractions.Grains;

/// <summary>One workload identity, keyed "&lt;ns&gt;/&lt;serviceaccount&gt;": checks CSRs, issues leaf certificates,
/// remembers what it issued, and slows down abusive callers. The caller has already authenticated the token.</summary>
[Alias("mesh.IIdentityGrain")]
public interface IIdentityGrain : IGrainWithStringKey
{
    [Alias("Certify")] Task<CertifyOutcome> CertifyAsync(byte[] csrDer);
    [Alias("ListIssued")] Task<ImmutableArray<IssuedCertificate>> ListIssuedAsync();
}

/// <summary>Every identity that was ever certified, for `mesh identity list`. Single grain, key "mesh".</summary>
[Alias("mesh.IIdentityDirectoryGrain")]
public interface IIdentityDirectoryGrain : IGrainWithStringKey
{
    [Alias("Add")] Task AddAsync(string identityKey);
    [Alias("List")] Task<ImmutableArray<string>> ListAsync();
}

public enum CertifyError
{
    None = 0,
    /// <summary>The CSR cannot be parsed, is not signed by its key, or uses a key the mesh does not accept.</summary>
    InvalidCsr = 1,
    /// <summary>The CSR names another identity than the one the token proves.</summary>
    IdentityMismatch = 2,
    /// <summary>The certificate authority is not loaded yet.</summary>
    CaUnavailable = 3,
    /// <summary>Too many requests for this identity.</summary>
    RateLimited = 4,
}

[GenerateSerializer, Immutable, Alias("mesh.CertifyOutcome")]
public sealed record CertifyOutcome(
    [property: Id(0)] CertifyError Error,
    [property: Id(1)] string? Message,
    [property: Id(2)] byte[]? LeafDer,
    [property: Id(3)] ImmutableArray<byte[]> ChainDer,
    [property: Id(4)] DateTimeOffset NotAfter)
{
    public static CertifyOutcome Fail(CertifyError error, string message) => new(error, message, null, ImmutableArray<byte[]>.Empty, default);
}

[GenerateSerializer, Immutable, Alias("mesh.IssuedCertificate")]
public sealed record IssuedCertificate(
    [property: Id(0)] string Identity,
    [property: Id(1)] string Serial,
    [property: Id(2)] DateTimeOffset NotBefore,
    [property: Id(3)] DateTimeOffset NotAfter,
    [property: Id(4)] string Issuer);
