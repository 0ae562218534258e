using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Names;

/// <summary>An authority "host[:port]" as a client writes it: a DNS name or IPv4 address, or an IPv6 address in
/// brackets ("[fd00::5]:8080"); a bare IPv6 address ("fd00::5") only without a port. <see cref="Host"/> has no brackets.</summary>
public readonly record struct Authority(string Host, int Port)
{
    /// <summary>"host:port", an IPv6 host in brackets.</summary>
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";

    /// <summary>Splits host and port. <paramref name="defaultPort"/> is the port of an authority written without one;
    /// null requires a port. False, with the reason, for an empty host, a port that is not 1..65535 in ASCII digits,
    /// brackets around anything but an IPv6 address, or several ':' outside brackets that are not one IPv6 address.</summary>
    public static bool TryParse(string text, int? defaultPort, out Authority authority, out string error)
    {
        authority = default;
        string host;
        var port = ReadOnlySpan<char>.Empty;
        var hasPort = false;
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close < 0)
            {
                error = "'[' without ']'";
                return false;
            }
            host = text[1..close];
            if (!IsIPv6(host))
            {
                error = $"'[{host}]' is not an IPv6 address";
                return false;
            }
            var rest = text.AsSpan(close + 1);
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    error = "expected ':' and a port after ']'";
                    return false;
                }
                hasPort = true;
                port = rest[1..];
            }
        }
        else
        {
            var colon = text.IndexOf(':');
            if (colon < 0) host = text;
            else if (colon == text.LastIndexOf(':'))
            {
                host = text[..colon];
                hasPort = true;
                port = text.AsSpan(colon + 1);
            }
            else if (IsIPv6(text)) host = text; // a bare IPv6 address: its port could not be told from its last group
            else
            {
                error = "several ':' outside brackets; an IPv6 address with a port is written [address]:port";
                return false;
            }
        }
        if (host.Length == 0)
        {
            error = "host is empty";
            return false;
        }
        int value;
        if (hasPort)
        {
            if (!PortNumber.TryParse(port, out value))
            {
                error = $"port must be {PortNumber.Min}..{PortNumber.Max}";
                return false;
            }
        }
        else if (defaultPort is { } fallback) value = fallback;
        else
        {
            error = "no port";
            return false;
        }
        authority = new Authority(host, value);
        error = "";
        return true;
    }

    /// <summary>An authority whose host is an IP address. IPv4 only as the plain dotted quad ("10.0.0.5"; not "1234",
    /// "10.1" or "010.0.0.5", which <see cref="IPAddress"/> also reads); IPv6 as <see cref="TryParse"/> accepts it.</summary>
    public static bool TryParseAddress(string text, int? defaultPort, [NotNullWhen(true)] out IPEndPoint? endpoint)
    {
        endpoint = null;
        if (!TryParse(text, defaultPort, out var authority, out _) || !IPAddress.TryParse(authority.Host, out var address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork && address.ToString() != authority.Host) return false;
        endpoint = new IPEndPoint(address, authority.Port);
        return true;
    }

    /// <summary>The authority a proxy keys routes by: ASCII-lowercase, with the scheme's default port when the client
    /// gave none ("Books.default" → "books.default:80"). <paramref name="hasPort"/>: whether <paramref name="host"/>
    /// carries a port (as Kestrel's <c>HostString.Port</c> tells).</summary>
    public static string Normalize(string? host, bool hasPort, bool https = false)
    {
        if (string.IsNullOrEmpty(host)) return "";
        var lower = DnsLabel.LowerAscii(host);
        return hasPort ? lower : lower + (https ? ":443" : ":80");
    }

    private static bool IsIPv6(string text) =>
        IPAddress.TryParse(text, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6;
}
