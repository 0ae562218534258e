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
}
