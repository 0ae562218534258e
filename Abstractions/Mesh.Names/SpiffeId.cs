using System.Diagnostics.CodeAnalysis;

namespace Mesh.Names;

/// <summary>A workload identity: <c>spiffe://&lt;trust-domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>.</summary>
public sealed record SpiffeId(string TrustDomain, string Namespace, string ServiceAccount)
{
    /// <summary>Trust domain used when none is configured.</summary>
    public const string DefaultTrustDomain = NameDefaults.TrustDomain;

    /// <summary>Scheme of every SPIFFE id, ours or not.</summary>
    public const string Scheme = "spiffe://";

    /// <summary>The URI form carried in the certificate's URI SAN.</summary>
    public string Uri => Format(TrustDomain, Namespace, ServiceAccount);

    /// <summary>The DNS SAN form: <c>&lt;sa&gt;.&lt;ns&gt;.serviceaccount.identity.mesh.&lt;trust-domain&gt;</c>.</summary>
    public string DnsName => $"{ServiceAccount}.{Namespace}.serviceaccount.identity.mesh.{TrustDomain}";

    public override string ToString() => Uri;

    /// <summary>The URI form of a service account's identity, as policies and endpoints name it; no validation (the
    /// names come from validated resources).</summary>
    public static string Format(string trustDomain, string ns, string serviceAccount) =>
        $"{Scheme}{trustDomain}/ns/{ns}/sa/{serviceAccount}";

    /// <summary>Builds an identity, rejecting labels that cannot appear in a URI path or DNS name.</summary>
    public static SpiffeId Create(string trustDomain, string ns, string serviceAccount)
    {
        foreach (var (value, what) in new[] { (trustDomain, "trust domain"), (ns, "namespace"), (serviceAccount, "service account") })
        {
            if (!IsValidLabel(value, allowDots: what == "trust domain"))
                throw new ArgumentException($"invalid {what} '{value}': use lowercase letters, digits and '-'", what);
        }
        return new SpiffeId(trustDomain, ns, serviceAccount);
    }

    /// <summary>Parses the URI form; false on anything else.</summary>
    public static bool TryParse(string? uri, [NotNullWhen(true)] out SpiffeId? id)
    {
        id = null;
        if (uri is null || !uri.StartsWith(Scheme, StringComparison.Ordinal)) return false;
        var parts = uri[Scheme.Length..].Split('/');
        if (parts.Length != 5 || parts[1] != "ns" || parts[3] != "sa") return false;
        if (!IsValidLabel(parts[0], allowDots: true) || !IsValidLabel(parts[2], false) || !IsValidLabel(parts[4], false)) return false;
        id = new SpiffeId(parts[0], parts[2], parts[4]);
        return true;
    }

    /// <summary>Parses the URI form or throws <see cref="FormatException"/> naming the bad input.</summary>
    public static SpiffeId Parse(string uri) =>
        TryParse(uri, out var id) ? id : throw new FormatException($"'{uri}' is not a mesh identity (spiffe://<trust-domain>/ns/<ns>/sa/<sa>)");

    private static bool IsValidLabel(string value, bool allowDots)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 253) return false;
        foreach (var c in value)
        {
            if (c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_') continue;
            if (c == '.' && allowDots) continue;
            return false;
        }
        return true;
    }
}
