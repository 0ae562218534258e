using System.Net;

namespace Mesh.Names;

/// <summary>What a host names: a bare service name ("books"), a qualified one ("books.shop", "books.shop.svc",
/// "books.shop.svc.&lt;cluster domain&gt;"), or no Service at all (an IP address, "example.com").</summary>
internal enum HostShape
{
    Bare,
    Qualified,
    NotAService,
    BadLabel,
}

/// <summary>Splits a service host into its labels; every label must be a <see cref="DnsLabel"/>.</summary>
internal static class ServiceHost
{
    /// <summary><paramref name="ns"/> is empty for a bare name, <paramref name="clusterDomain"/> when none is written;
    /// <paramref name="badLabel"/> is the first label that is not a DNS label.</summary>
    public static HostShape Split(string host, out string name, out string ns, out string clusterDomain, out string badLabel)
    {
        name = ns = clusterDomain = badLabel = "";
        if (IPAddress.TryParse(host, out _)) return HostShape.NotAService;
        var labels = host.Split('.');
        if (labels.Length > 2 && labels[2] != "svc") return HostShape.NotAService;
        foreach (var label in labels)
        {
            if (DnsLabel.IsValid(label)) continue;
            badLabel = label;
            return HostShape.BadLabel;
        }
        name = labels[0];
        if (labels.Length == 1) return HostShape.Bare;
        ns = labels[1];
        clusterDomain = labels.Length > 3 ? string.Join('.', labels[3..]) : "";
        return HostShape.Qualified;
    }
}
