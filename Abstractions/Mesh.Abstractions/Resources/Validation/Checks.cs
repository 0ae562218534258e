using System.Net;
using System.Text.RegularExpressions;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>Value checks shared by the shapes. Each returns what is wrong and how to fix it, or null when fine.</summary>
internal static partial class Checks
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")] private static partial Regex Dns1123LabelRegex();
    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")] private static partial Regex Dns1035LabelRegex();
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")] private static partial Regex Dns1123SubdomainRegex();
    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")] private static partial Regex QualifiedNameRegex();
    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+\\-.^_`|~]+$")] private static partial Regex HeaderNameRegex();
    [GeneratedRegex("^(?:[-A-Za-z0-9/._~!$&'()*+,;=:@]|%[0-9a-fA-F]{2})+$")] private static partial Regex PathRegex();

    public static string? Dns1123Label(string s) =>
        s.Length is > 0 and <= 63 && Dns1123LabelRegex().IsMatch(s) ? null
            : $"\"{s}\" is not a valid DNS-1123 label: use 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit";

    public static string? Dns1035Label(string s) =>
        s.Length is > 0 and <= 63 && Dns1035LabelRegex().IsMatch(s) ? null
            : $"\"{s}\" is not a valid service name: use 1-63 lowercase letters, digits or '-', starting with a letter and ending with a letter or digit";

    public static string? Dns1123Subdomain(string s) =>
        s.Length is > 0 and <= 253 && Dns1123SubdomainRegex().IsMatch(s) ? null
            : $"\"{s}\" is not a valid name: use lowercase letters, digits, '-' and '.', starting and ending with a letter or digit (at most 253)";

    /// <summary>IANA service name, as Kubernetes port names: 1-15 of [a-z0-9-], at least one letter, no "--".</summary>
    public static string? PortName(string s) =>
        s.Length is > 0 and <= 15 && s.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
            && s.Any(char.IsAsciiLetterLower) && s[0] != '-' && s[^1] != '-' && !s.Contains("--") ? null
            : $"\"{s}\" is not a valid port name: use 1-15 lowercase letters, digits or '-' with at least one letter";

    /// <summary>Label and annotation keys: an optional DNS subdomain prefix and '/', then a name of at most 63.</summary>
    public static string? QualifiedKey(string key)
    {
        var slash = key.IndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (Dns1123Subdomain(prefix) is not null)
                return $"key \"{key}\" has an invalid prefix \"{prefix}\": it must be a DNS subdomain such as example.com";
        }
        return name.Length is > 0 and <= 63 && QualifiedNameRegex().IsMatch(name) ? null
            : $"key \"{key}\" is invalid: the name part must be 1-63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
    }

    public static string? LabelValue(string v) =>
        v.Length == 0 || (v.Length <= 63 && QualifiedNameRegex().IsMatch(v)) ? null
            : $"label value \"{v}\" is invalid: use at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";

    public static string? AnnotationValue(string v) => v.Length <= 256 * 1024 ? null : "annotation values must be at most 256 KiB";

    public static string? IpAddress(string s) =>
        (s.Contains('.') || s.Contains(':')) && IPAddress.TryParse(s, out var ip) && ip.ToString().Length > 0
            && (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 || s.Count(c => c == '.') == 3) ? null
            : $"\"{s}\" is not an IP address such as 127.0.0.11 or ::1";

    public static string? Cidr(string s)
    {
        if (!s.Contains('/')) return IpAddress(s) is null ? null : $"\"{s}\" is not a CIDR such as 10.0.0.0/8 or an IP address";
        var address = s[..s.IndexOf('/')];
        if (IpAddress(address) is not null || !IPNetwork.TryParse(s, out var net))
            return $"\"{s}\" is not a CIDR such as 10.0.0.0/8";
        return net.BaseAddress.Equals(IPAddress.Parse(address)) ? null
            : $"\"{s}\" has bits set after the prefix length; did you mean {net}?";
    }

    public static string? Duration(string s) => Validation.Duration.TryParse(s, out _) ? null
        : $"\"{s}\" is not a duration: use up to four number-unit pairs with units h, m, s, ms, each number at most 5 digits (e.g. 10s, 1m30s, 500ms)";

    public static string? HeaderName(string s) => s.Length is > 0 and <= 256 && HeaderNameRegex().IsMatch(s) ? null
        : $"\"{s}\" is not a valid HTTP header name";

    public static string? NonEmpty(string s) => s.Length > 0 ? null : "must not be empty";

    public static string? MaxLength(string s, int max) => s.Length <= max ? null : $"must be at most {max} characters";

    public static string? Regex(string s)
    {
        try { _ = new Regex(s, RegexOptions.None, TimeSpan.FromSeconds(1)); return null; }
        catch (ArgumentException e) { return $"\"{s}\" is not a valid regular expression: {e.Message}"; }
    }

    /// <summary>Rules for Exact and PathPrefix values (from the Gateway API CRD's CEL rules).</summary>
    public static string? HttpPath(string s)
    {
        if (!s.StartsWith('/')) return $"\"{s}\" must start with '/'";
        if (s.Contains("//") || s.Contains("/./") || s.Contains("/../") || s.EndsWith("/..") || s.EndsWith("/."))
            return $"\"{s}\" must not contain '//', '/./' or '/../' or end in '/.' or '/..'";
        if (s.Contains("%2f", StringComparison.OrdinalIgnoreCase) || s.Contains('#'))
            return $"\"{s}\" must not contain '%2F' or '#'";
        return PathRegex().IsMatch(s) ? null : $"\"{s}\" contains characters not allowed in a path";
    }

    private const string MeshIdentityDnsInfix = ".serviceaccount.identity.mesh.";

    /// <summary>A MeshTLSAuthentication identity: "*", a SPIFFE id, a mesh DNS-form identity, or "*.domain".</summary>
    public static string? Identity(string s)
    {
        if (s == "*") return null;
        // The DNS form of mesh identities, also of other trust domains under a shared anchor: exact
        // ("books.default.serviceaccount.identity.mesh.west.mesh") or every identity under a domain ("*.west.mesh").
        if (s.StartsWith("*.", StringComparison.Ordinal))
            return Dns1123Subdomain(s[2..]) is null ? null
                : $"\"{s}\" is not an identity pattern: \"*.\" must be followed by a domain such as west.mesh";
        if (s.Contains(MeshIdentityDnsInfix, StringComparison.Ordinal) && Dns1123Subdomain(s) is null) return null;
        const string scheme = Names.SpiffeId.Scheme;
        if (!s.StartsWith(scheme, StringComparison.Ordinal))
            return $"\"{s}\" is not an identity: use a SPIFFE id such as spiffe://cluster.local/ns/default/sa/web, a mesh DNS-form identity such as web.default.serviceaccount.identity.mesh.cluster.local, \"*.west.mesh\" for a trust domain, or \"*\" for any authenticated client";
        var rest = s[scheme.Length..];
        var slash = rest.IndexOf('/');
        // Patterns are DNS suffixes only: a '*' inside a SPIFFE id would be compared literally and never match anyone.
        if (rest.Contains('*'))
            return $"\"{s}\" is not a pattern: a SPIFFE id is matched exactly; for every identity of a trust domain write \"*.{(slash < 0 ? rest : rest[..slash]).Trim('*')}\"";
        var domain = slash < 0 ? rest : rest[..slash];
        return Dns1123Subdomain(domain) is null && (slash < 0 || rest.Length > slash + 1) && !rest.Contains(' ') ? null
            : $"\"{s}\" is not a valid SPIFFE id: expected spiffe://<trust-domain>/<path>";
    }

    /// <summary>A Server's trusted gateway: one exact workload identity, SPIFFE (spiffe://td/ns/N/sa/S) or mesh DNS form.
    /// Never a pattern: every peer a pattern matched could claim to be any client.</summary>
    public static string? GatewayIdentity(string s)
    {
        if (s.StartsWith('*'))
            return $"\"{s}\" is a pattern; a trusted gateway must be one exact identity such as spiffe://west.mesh/ns/mesh/sa/gateway (any peer a pattern matched could claim to be any client)";
        if (Names.SpiffeId.TryParse(s, out _)) return null;
        var infix = s.IndexOf(MeshIdentityDnsInfix, StringComparison.Ordinal);
        if (infix > 0 && s[..infix].Count(c => c == '.') == 1 && Dns1123Subdomain(s) is null) return null;
        return $"\"{s}\" is not a workload identity: use spiffe://<trust-domain>/ns/<namespace>/sa/<service-account> or <service-account>.<namespace>.serviceaccount.identity.mesh.<trust-domain>";
    }
}
