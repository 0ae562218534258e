namespace Mesh.Names;

/// <summary>A Service by namespace and name, and its DNS name "&lt;name&gt;.&lt;ns&gt;.svc.&lt;cluster domain&gt;".</summary>
public readonly record struct ServiceName(string Namespace, string Name)
{
    public string Fqdn(string clusterDomain = NameDefaults.ClusterDomain) => FormatFqdn(Name, Namespace, clusterDomain);

    public static string FormatFqdn(string name, string ns, string clusterDomain = NameDefaults.ClusterDomain) =>
        $"{name}.{ns}.svc.{clusterDomain}";

    /// <summary>The Service a reported name means, as the stats keep it: "ns/name", or a host with an optional port —
    /// "name.ns", "name.ns.svc", "name.ns.svc.&lt;any cluster domain&gt;" (a proxy of another cluster reports its own),
    /// or a bare "name" in <paramref name="defaultNamespace"/>. Exact case (proxies report lowercase). When
    /// <paramref name="defaultNamespace"/> is null a bare name is not a Service ("localhost:8080" names none);
    /// an IP address never is.</summary>
    public static bool TryParse(string text, string? defaultNamespace, out ServiceName service)
    {
        service = default;
        var value = text.Trim();
        if (value.Length == 0) return false;

        var slash = value.IndexOf('/');
        if (slash >= 0)
        {
            if (value.IndexOf('/', slash + 1) >= 0) return false;
            var (ns, name) = (value[..slash], value[(slash + 1)..]);
            if (!DnsLabel.IsValid(ns) || !DnsLabel.IsValid(name)) return false;
            service = new ServiceName(ns, name);
            return true;
        }

        if (!Authority.TryParse(value, defaultPort: 0, out var authority, out _)) return false;
        switch (ServiceHost.Split(authority.Host, out var hostName, out var hostNs, out _, out _))
        {
            case HostShape.Bare when defaultNamespace is not null:
                service = new ServiceName(defaultNamespace, hostName);
                return true;
            case HostShape.Qualified:
                service = new ServiceName(hostNs, hostName);
                return true;
            default:
                return false;
        }
    }

    /// <summary><see cref="TryParse(string, string?, out ServiceName)"/> with the parts apart; empty strings when false.</summary>
    public static bool TryParse(string text, string? defaultNamespace, out string ns, out string name)
    {
        var parsed = TryParse(text, defaultNamespace, out ServiceName service);
        (ns, name) = (service.Namespace ?? "", service.Name ?? "");
        return parsed;
    }
}
