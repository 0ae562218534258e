using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Inbound;

/// <summary>Compiles InboundPolicy messages; keeps rate limiters across updates when their settings did not change.</summary>
internal sealed class InboundPolicyCompiler(ProxySettings settings, TimeProvider time)
{
    private readonly Dictionary<string, (RateLimit Source, RateLimitRule Rule)> _limiters = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public CompiledInboundPolicy Compile(InboundPolicy policy)
    {
        // An unregistered workload gets the proxy's configured default; a registered one the control plane's.
        var defaultPolicy = policy.Exists ? Map(policy.DefaultPolicy) : settings.DefaultInboundPolicy;
        var servers = new Dictionary<int, ServerRule>();
        foreach (var s in policy.Servers)
        {
            var authz = s.Authorizations.Select(a => new AuthorizationRule(
                a.Name,
                [.. a.Identities],
                a.RequireIdentity,
                [.. a.Networks.Select(ParseNetwork).OfType<NetworkRule>()],
                a.RequireNetwork)).ToImmutableArray();
            servers[(int)s.Port] = new ServerRule(s.Name, (int)s.Port, s.ProxyProtocol, authz, Limiter(s.Name, s.RateLimit), [.. s.TrustedGateways]);
        }
        return new CompiledInboundPolicy(
            policy.Exists,
            defaultPolicy,
            [.. policy.ClusterNetworks.Select(c => ParseNetwork(new Network { Cidr = c })).OfType<NetworkRule>()],
            servers.ToFrozenDictionary(),
            policy.Ports.ToImmutableDictionary(),
            policy.Identity);
    }

    private RateLimitRule? Limiter(string server, RateLimit? limit)
    {
        if (limit is null || (limit.TotalRps == 0 && limit.IdentityRps == 0 && limit.Overrides.Count == 0)) return null;
        lock (_gate)
        {
            if (_limiters.TryGetValue(server, out var existing) && existing.Source.Equals(limit)) return existing.Rule;
            var rule = new RateLimitRule(limit.Name.Length > 0 ? limit.Name : server, limit.TotalRps, limit.IdentityRps,
                [.. limit.Overrides.Select(o => (o.Rps, o.Identities.ToImmutableArray()))], time);
            _limiters[server] = (limit.Clone(), rule);
            return rule;
        }
    }

    /// <summary>Parses a CIDR (a bare address is a /32 or /128); unparsable networks are dropped (the control plane validates).</summary>
    public static NetworkRule? ParseNetwork(Network n)
    {
        if (!TryParse(n.Cidr, out var network)) return null;
        var except = ImmutableArray.CreateBuilder<IPNetwork>();
        foreach (var e in n.Except) if (TryParse(e, out var x)) except.Add(x);
        return new NetworkRule(network, except.ToImmutable());
    }

    private static bool TryParse(string text, out IPNetwork network)
    {
        if (IPNetwork.TryParse(text, out network)) return true;
        if (IPAddress.TryParse(text, out var a))
        {
            network = new IPNetwork(a, a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return false;
    }

    public static DefaultInboundPolicy Map(DefaultPolicy p) => p switch
    {
        DefaultPolicy.AllUnauthenticated => DefaultInboundPolicy.AllUnauthenticated,
        DefaultPolicy.AllAuthenticated => DefaultInboundPolicy.AllAuthenticated,
        DefaultPolicy.ClusterAuthenticated => DefaultInboundPolicy.ClusterAuthenticated,
        _ => DefaultInboundPolicy.Deny,
    };
}
