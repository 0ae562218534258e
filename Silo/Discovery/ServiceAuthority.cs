using System.Diagnostics.CodeAnalysis;
using Mesh.Abstractions;

namespace Mesh.Silo.Discovery;

/// <summary>A logical service a proxy asks for: "name.ns.svc.cluster.local:port", "name.ns.svc:port", "name.ns:port" or
/// "name:port" (namespace from the caller's context); the port defaults to 80.</summary>
public sealed record ServiceAuthority(string Name, string Namespace, int Port)
{
    public string Key => MeshNames.Key(Namespace, Name);
    public string Canonical(string clusterDomain = MeshNames.DefaultClusterDomain) => $"{Name}.{Namespace}.svc.{clusterDomain}:{Port}";

    public static bool TryParse(string authority, string? contextNamespace, [NotNullWhen(true)] out ServiceAuthority? result,
        out string error, string clusterDomain = MeshNames.DefaultClusterDomain)
    {
        result = null;
        error = "";
        var text = authority.Trim().ToLowerInvariant();
        if (text.Length == 0)
        {
            error = "authority is empty; expected name.namespace.svc.cluster.local:port";
            return false;
        }
        var port = 80;
        var host = text;
        var colon = text.LastIndexOf(':');
        if (colon >= 0)
        {
            host = text[..colon];
            if (!int.TryParse(text[(colon + 1)..], out port) || port is < 1 or > 65535)
            {
                error = $"authority '{authority}': port must be 1..65535";
                return false;
            }
        }
        var parts = host.Split('.');
        string name, ns;
        var context = string.IsNullOrWhiteSpace(contextNamespace) ? MeshNames.DefaultNamespace : contextNamespace.Trim().ToLowerInvariant();
        switch (parts.Length)
        {
            case 1: name = parts[0]; ns = context; break;
            case 2: name = parts[0]; ns = parts[1]; break;
            case >= 3 when parts[2] == "svc":
                name = parts[0]; ns = parts[1];
                var suffix = string.Join('.', parts[3..]);
                if (suffix.Length > 0 && suffix != clusterDomain)
                {
                    error = $"authority '{authority}': cluster domain '{suffix}' is not this cluster's '{clusterDomain}'";
                    return false;
                }
                break;
            default:
                error = $"authority '{authority}' is not a service name; expected name.namespace.svc.{clusterDomain}:port, name.namespace:port or name:port";
                return false;
        }
        if (!IsDnsLabel(name) || !IsDnsLabel(ns))
        {
            error = $"authority '{authority}': '{(IsDnsLabel(name) ? ns : name)}' is not a DNS label (a-z, 0-9, '-', at most 63)";
            return false;
        }
        result = new ServiceAuthority(name, ns, port);
        return true;
    }

    /// <summary>The watcher's namespace when it differs from the service's (its GAMMA consumer routes apply), else null.
    /// A context that is not a namespace name is ignored.</summary>
    public static string? ConsumerNamespace(string? contextNamespace, ServiceAuthority service)
    {
        if (string.IsNullOrWhiteSpace(contextNamespace)) return null;
        var ns = contextNamespace.Trim().ToLowerInvariant();
        return IsDnsLabel(ns) && ns != service.Namespace ? ns : null;
    }

    private static bool IsDnsLabel(string s) =>
        s.Length is > 0 and <= 63 && s[0] != '-' && s[^1] != '-' && s.All(c => c is >= 'a' and <= 'z' or >= '0' and <= '9' or '-');
}
