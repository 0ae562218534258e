using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Inbound;

/// <summary>A client network admitted by an authorization: a CIDR minus its exceptions.</summary>
internal sealed record NetworkRule(IPNetwork Network, ImmutableArray<IPNetwork> Except)
{
    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (!Network.Contains(address)) return false;
        foreach (var e in Except) if (e.Contains(address)) return false;
        return true;
    }
}

/// <summary>One AuthorizationPolicy bound to a Server: who (identities) and from where (networks).</summary>
internal sealed record AuthorizationRule(string Name, ImmutableArray<string> Identities, bool RequireIdentity, ImmutableArray<NetworkRule> Networks, bool RequireNetwork)
{
    public bool Admits(string? identity, IPAddress? address)
    {
        if (RequireIdentity || !Identities.IsEmpty)
        {
            if (string.IsNullOrEmpty(identity)) return false;
            if (!Identities.IsEmpty && !IdentityMatcher.MatchesAny(Identities, identity)) return false;
        }
        if (RequireNetwork || !Networks.IsEmpty)
        {
            if (address is null) return false;
            var any = false;
            foreach (var n in Networks) if (n.Contains(address)) { any = true; break; }
            if (!any) return false;
        }
        return true;
    }
}

/// <summary>Local rate limits of a Server: total, per identity, and per-identity overrides (each GCRA).</summary>
internal sealed class RateLimitRule(string name, uint totalRps, uint identityRps, ImmutableArray<(uint Rps, ImmutableArray<string> Identities)> overrides, TimeProvider time)
{
    private readonly GcraRateLimiter? _total = totalRps > 0 ? new GcraRateLimiter(totalRps, time) : null;
    private readonly ConcurrentDictionary<string, GcraRateLimiter> _perIdentity = new(StringComparer.Ordinal);

    public string Name { get; } = name;

    public bool TryAcquire(string? identity)
    {
        var key = identity ?? "";
        uint rps = identityRps;
        foreach (var (overrideRps, identities) in overrides)
            if (key.Length > 0 && IdentityMatcher.MatchesAny(identities, key)) { rps = overrideRps; break; }
        if (rps > 0)
        {
            var limiter = _perIdentity.GetOrAdd(key, static (_, state) => new GcraRateLimiter(state.rps, state.time), (rps, time));
            if (!limiter.TryAcquire()) return false;
        }
        return _total?.TryAcquire() ?? true;
    }
}

/// <summary>A Server: the port it selects, its authorizations (none: deny all), its rate limit and the gateways whose
/// forwarded client identity it believes (exact identities, see <see cref="ForwardedIdentity"/>).</summary>
internal sealed record ServerRule(string Name, int Port, string ProxyProtocol, ImmutableArray<AuthorizationRule> Authorizations, RateLimitRule? RateLimit,
    ImmutableArray<string> TrustedGateways);

/// <summary>The result of authorizing one request.</summary>
internal readonly record struct AuthorizationDecision(bool Allowed, string Server, string Authorization, RateLimitRule? RateLimit);

/// <summary>The inbound policy of this workload compiled for lookups: servers by port, the default policy, cluster networks.</summary>
internal sealed class CompiledInboundPolicy(
    bool exists,
    DefaultInboundPolicy defaultPolicy,
    ImmutableArray<NetworkRule> clusterNetworks,
    FrozenDictionary<int, ServerRule> servers,
    ImmutableDictionary<string, uint> ports,
    string identity)
{
    public bool Exists { get; } = exists;
    public DefaultInboundPolicy DefaultPolicy { get; } = defaultPolicy;
    public FrozenDictionary<int, ServerRule> Servers { get; } = servers;
    public ImmutableDictionary<string, uint> Ports { get; } = ports;
    public string Identity { get; } = identity;

    /// <summary>The application ports the workload declares (the values of <see cref="Ports"/>: its Workload ports and the
    /// target ports of the Services selecting it): the only ports a client's target-port header may name.</summary>
    public FrozenSet<int> DeclaredPorts { get; } = ports.Values.Select(p => (int)p).ToFrozenSet();

    /// <summary>The app port used when a request names none: the only declared port, if there is exactly one (a named
    /// port appears twice in <see cref="Ports"/>, under its name and its number).</summary>
    public int? SinglePort => DeclaredPorts.Count == 1 ? DeclaredPorts.First() : null;

    /// <summary>Decides whether a peer (identity from mTLS, null when plaintext) may reach a port.</summary>
    public AuthorizationDecision Authorize(int port, string? peerIdentity, IPAddress? peerAddress)
    {
        if (Servers.TryGetValue(port, out var server))
        {
            foreach (var authz in server.Authorizations)
                if (authz.Admits(peerIdentity, peerAddress)) return new(true, server.Name, authz.Name, server.RateLimit);
            return new(false, server.Name, "", null);
        }
        var allowed = DefaultPolicy switch
        {
            DefaultInboundPolicy.AllUnauthenticated => true,
            DefaultInboundPolicy.AllAuthenticated => !string.IsNullOrEmpty(peerIdentity),
            DefaultInboundPolicy.ClusterAuthenticated => !string.IsNullOrEmpty(peerIdentity) && InCluster(peerAddress),
            _ => false,
        };
        var name = "default:" + DefaultPolicy switch
        {
            DefaultInboundPolicy.AllUnauthenticated => "all-unauthenticated",
            DefaultInboundPolicy.AllAuthenticated => "all-authenticated",
            DefaultInboundPolicy.ClusterAuthenticated => "cluster-authenticated",
            _ => "deny",
        };
        return new(allowed, name, allowed ? name : "", null);
    }

    private bool InCluster(IPAddress? address)
    {
        if (address is null) return false;
        if (clusterNetworks.IsEmpty) return true;
        foreach (var n in clusterNetworks) if (n.Contains(address)) return true;
        return false;
    }
}
