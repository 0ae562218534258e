using System.Net;

namespace Mesh.Abstractions.Stats;

/// <summary>Turns the names proxies report ("books.default.svc.cluster.local:8080", "books.default:8080",
/// "default/books", "books") into a Service's namespace and name.</summary>
public static class ServiceAuthority
{
    /// <param name="defaultNamespace">Namespace for a bare name; when null a bare name is not a service (an outbound
    /// authority like "localhost:8080" or an IP names no Service).</param>
    public static bool TryParse(string text, string? defaultNamespace, out string ns, out string name)
    {
        ns = name = "";
        var value = text.Trim();
        if (value.Length == 0) return false;

        var slash = value.IndexOf('/');
        if (slash >= 0)
        {
            if (slash == 0 || slash == value.Length - 1 || value.IndexOf('/', slash + 1) >= 0) return false;
            (ns, name) = (value[..slash], value[(slash + 1)..]);
            return IsLabel(ns) && IsLabel(name);
        }

        var host = StripPort(value);
        if (host.Length == 0 || IPAddress.TryParse(host.Trim('[', ']'), out _)) return false;
        var labels = host.TrimEnd('.').Split('.');
        if (labels.Any(l => !IsLabel(l))) return false;
        if (labels.Length == 1)
        {
            if (defaultNamespace is null) return false;
            (ns, name) = (defaultNamespace, labels[0]);
            return true;
        }
        // name.ns, name.ns.svc, name.ns.svc.<cluster domain>; anything else (e.g. example.com) is not a Service.
        if (labels.Length > 2 && labels[2] != "svc") return false;
        (ns, name) = (labels[1], labels[0]);
        return true;
    }

    private static string StripPort(string value)
    {
        if (value.StartsWith('[')) return value; // bracketed IPv6, IP check above rejects it
        var colon = value.LastIndexOf(':');
        return colon < 0 ? value : value[..colon];
    }

    private static bool IsLabel(string label) =>
        label.Length is > 0 and <= 63 && label.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && label[0] != '-' && label[^1] != '-';
}
