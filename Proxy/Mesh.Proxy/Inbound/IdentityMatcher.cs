using Mesh.Names;
using System.Collections.Immutable;

namespace Mesh.Proxy.Inbound;

/// <summary>Matches a peer identity against MeshTLSAuthentication patterns: exact, "*" (any authenticated), or "*suffix".</summary>
/// <remarks>Patterns are tried against the SPIFFE id and its DNS form (sa.ns.serviceaccount.identity.mesh.td) so both spellings work.</remarks>
internal static class IdentityMatcher
{
    public static bool MatchesAny(ImmutableArray<string> patterns, string identity)
    {
        string? dns = null;
        foreach (var p in patterns)
        {
            if (Matches(p, identity)) return true;
            dns ??= ToDnsForm(identity) ?? "";
            if (dns.Length > 0 && Matches(p, dns)) return true;
        }
        return false;
    }

    /// <summary>Whether <paramref name="identity"/> (a SPIFFE id) is one of <paramref name="identities"/>, written as the
    /// SPIFFE id or its DNS form; no patterns, so "*" or "*.west.mesh" match nothing.</summary>
    public static bool IsOneOf(ImmutableArray<string> identities, string identity)
    {
        var dns = ToDnsForm(identity);
        foreach (var i in identities)
            if (string.Equals(i, identity, StringComparison.Ordinal) || (dns is not null && string.Equals(i, dns, StringComparison.Ordinal))) return true;
        return false;
    }

    public static bool Matches(string pattern, string identity)
    {
        if (pattern == "*") return identity.Length > 0;
        if (pattern.StartsWith('*')) return identity.EndsWith(pattern[1..], StringComparison.Ordinal);
        return string.Equals(pattern, identity, StringComparison.Ordinal);
    }

    /// <summary>"spiffe://td/ns/N/sa/S" → "S.N.serviceaccount.identity.mesh.td"; null for anything else.</summary>
    public static string? ToDnsForm(string identity) => SpiffeId.TryParse(identity, out var id) ? id.DnsName : null;
}
