using System.Collections.Immutable;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Identity.Ca;

/// <summary>A leaf certificate the CA issued, with the intermediates a peer needs to chain it to an anchor.</summary>
public sealed record IssuedLeaf(X509Certificate2 Leaf, ImmutableArray<X509Certificate2> Intermediates)
{
    public DateTimeOffset NotBefore => Leaf.NotBefore.ToUniversalTime();

    public DateTimeOffset NotAfter => Leaf.NotAfter.ToUniversalTime();

    /// <summary>Serial number in hex, as <c>mesh identity list</c> shows it.</summary>
    public string SerialNumber => Leaf.SerialNumber;
}

/// <summary>The outcome of a CSR: an issued leaf or a typed rejection (data errors are values).</summary>
public readonly record struct IssueResult(IssuedLeaf? Issued, CsrRejection? Rejection)
{
    public bool IsSuccess => Issued is not null;

    public static implicit operator IssueResult(IssuedLeaf issued) => new(issued, null);

    public static implicit operator IssueResult(CsrRejection rejection) => new(null, rejection);
}
