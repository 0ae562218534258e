using System.Diagnostics.CodeAnalysis;

namespace Mesh.Abstractions;

/// <summary>A workload identity "spiffe://&lt;trust-domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;".</summary>
public readonly record struct SpiffeId(string TrustDomain, string Namespace, string ServiceAccount)
{
    private const string Scheme = "spiffe://";

    public override string ToString() => MeshNames.SpiffeId(Namespace, ServiceAccount, TrustDomain);

    public static bool TryParse(string? text, [NotNullWhen(true)] out SpiffeId id)
    {
        id = default;
        if (text is null || !text.StartsWith(Scheme, StringComparison.Ordinal)) return false;
        var parts = text[Scheme.Length..].Split('/');
        if (parts is not [var td, "ns", var ns, "sa", var sa]) return false;
        if (!IsLabel(td, allowDots: true) || !IsLabel(ns, allowDots: false) || !IsLabel(sa, allowDots: true)) return false;
        id = new SpiffeId(td, ns, sa);
        return true;
    }

    private static bool IsLabel(string s, bool allowDots) =>
        s.Length is > 0 and <= 253
        && char.IsAsciiLetterOrDigit(s[0]) && char.IsAsciiLetterOrDigit(s[^1])
        && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-' || (allowDots && c == '.'));
}
