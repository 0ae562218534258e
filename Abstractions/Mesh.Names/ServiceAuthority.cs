using System.Diagnostics.CodeAnalysis;

namespace Mesh.Names;

/// <summary>A logical service a proxy asks for: "name.ns.svc.cluster.local:port", "name.ns.svc:port", "name.ns:port" or
/// "name:port" (namespace from the caller's context), in any ASCII case; the port defaults to 80.</summary>
public sealed record ServiceAuthority(string Name, string Namespace, int Port)
{
    public const int DefaultPort = 80;

    /// <summary>"name.ns.svc.&lt;cluster domain&gt;:port", the form proxies key routes by.</summary>
    public string Canonical(string clusterDomain = NameDefaults.ClusterDomain) => Format(Name, Namespace, Port, clusterDomain);

    public static string Format(string name, string ns, int port, string clusterDomain = NameDefaults.ClusterDomain) =>
        $"{ServiceName.FormatFqdn(name, ns, clusterDomain)}:{port}";

    /// <summary>Parses what a proxy (or a user) asks for. A bare name is in <paramref name="contextNamespace"/>
    /// ("default" when empty); a written cluster domain must be <paramref name="clusterDomain"/>. False with an error
    /// that says why and what was expected.</summary>
    public static bool TryParse(string authority, string? contextNamespace, [NotNullWhen(true)] out ServiceAuthority? result,
        out string error, string clusterDomain = NameDefaults.ClusterDomain)
    {
        result = null;
        var text = DnsLabel.LowerAscii(authority.Trim());
        if (text.Length == 0)
        {
            error = "authority is empty; expected name.namespace.svc.cluster.local:port";
            return false;
        }
        if (!Authority.TryParse(text, DefaultPort, out var parsed, out var why))
        {
            error = $"authority '{authority}': {why}";
            return false;
        }
        var shape = ServiceHost.Split(parsed.Host, out var name, out var ns, out var suffix, out var bad);
        switch (shape)
        {
            case HostShape.NotAService:
                error = $"authority '{authority}' is not a service name; expected name.namespace.svc.{clusterDomain}:port, name.namespace:port or name:port";
                return false;
            case HostShape.BadLabel:
                error = NotALabel(authority, bad);
                return false;
            case HostShape.Bare:
                ns = string.IsNullOrWhiteSpace(contextNamespace) ? NameDefaults.Namespace : DnsLabel.LowerAscii(contextNamespace.Trim());
                break;
        }
        if (suffix.Length > 0 && suffix != clusterDomain)
        {
            error = $"authority '{authority}': cluster domain '{suffix}' is not this cluster's '{clusterDomain}'";
            return false;
        }
        if (!DnsLabel.IsValid(ns))
        {
            error = NotALabel(authority, ns);
            return false;
        }
        result = new ServiceAuthority(name, ns, parsed.Port);
        error = "";
        return true;
    }

    /// <summary>The watcher's namespace when it differs from the service's (its GAMMA consumer routes apply), else null.
    /// A context that is not a namespace name is ignored.</summary>
    public static string? ConsumerNamespace(string? contextNamespace, ServiceAuthority service)
    {
        if (string.IsNullOrWhiteSpace(contextNamespace)) return null;
        var ns = DnsLabel.LowerAscii(contextNamespace.Trim());
        return DnsLabel.IsValid(ns) && ns != service.Namespace ? ns : null;
    }

    private static string NotALabel(string authority, string label) =>
        $"authority '{authority}': '{label}' is not a DNS label (a-z, 0-9, '-', at most {DnsLabel.MaxLength})";
}
