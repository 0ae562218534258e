using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;

namespace Mesh.Proxy.Outbound;

/// <summary>Normalizes the authority a client asked for ("Books.default" → "books.default:80").</summary>
internal static class Authority
{
    public static string Normalize(HostString host, bool https = false)
    {
        var value = host.Value;
        if (string.IsNullOrEmpty(value)) return "";
        var hasPort = host.Port is not null;
        var lower = true;
        foreach (var c in value) if (c is >= 'A' and <= 'Z') { lower = false; break; }
        if (hasPort && lower) return value;
        var normalized = lower ? value : value.ToLowerInvariant();
        return hasPort ? normalized : normalized + (https ? ":443" : ":80");
    }

    /// <summary>A normalized authority that is an IP address and port ("10.0.0.5:8080", "[::1]:8080"), not a name.</summary>
    public static bool TryParseAddress(string authority, [NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        var colon = authority.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(authority.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            return false;
        var host = authority.AsSpan(0, colon);
        var bracketed = host.Length > 2 && host[0] == '[' && host[^1] == ']';
        if (bracketed) host = host[1..^1];
        if (!IPAddress.TryParse(host, out var address)) return false;
        // IPAddress also reads "1234" or "10.1" as IPv4: only the dotted quad, or bracketed IPv6, is an address.
        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? host.Count('.') != 3 : !bracketed) return false;
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
