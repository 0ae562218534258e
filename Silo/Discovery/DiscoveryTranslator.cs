using System.Collections.Immutable;
using Google.Protobuf.Collections;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;
using Mesh.Api.V1;
using Mesh.Names;
using Endpoint = Mesh.Api.V1.Endpoint;
using Route = Mesh.Api.V1.Route;
using MatchType = Mesh.Api.V1.MatchType;

namespace Mesh.Silo.Discovery;

/// <summary>One service port as a proxy sees it: whether it exists, its endpoints by key, its profile.</summary>
/// <param name="Problem">Why the port can have no endpoints although the service exists (it has no such port); "" otherwise.</param>
public sealed record TranslatedService(bool Exists, ImmutableSortedDictionary<string, Endpoint> Endpoints, ServiceProfile Profile, string Problem = "")
{
    public static readonly TranslatedService Missing = new(false, ImmutableSortedDictionary<string, Endpoint>.Empty, new ServiceProfile());
}

/// <summary>Translates grain views into the discovery wire format for one watched service port. Pure.</summary>
public static class DiscoveryTranslator
{
    /// <param name="consumer">The GAMMA consumer routes the watcher's namespace attaches to this Service, when the
    /// watcher is in another namespace: when any applies to this port they replace the producer's routes.</param>
    public static TranslatedService Translate(ServiceAuthority authority, ServiceView? service, EndpointSetView endpoints,
        Versioned<ProfileView> profile, Versioned<ProfileView>? consumer = null) =>
        Translate(authority, service, endpoints, profile, consumer, out _);

    /// <param name="collided">Set when two endpoints of the set translated to one key (one address and port): the later
    /// one is kept, and the result cannot be patched endpoint by endpoint (<see cref="Patch"/>).</param>
    public static TranslatedService Translate(ServiceAuthority authority, ServiceView? service, EndpointSetView endpoints,
        Versioned<ProfileView> profile, Versioned<ProfileView>? consumer, out bool collided)
    {
        collided = false;
        if (service is null) return TranslatedService.Missing;
        var (port, opaque) = Target(authority, service, profile);
        var result = ImmutableSortedDictionary.CreateBuilder<string, Endpoint>(StringComparer.Ordinal);
        if (port is not null)
            foreach (var w in endpoints.Endpoints)
                if (Endpoint(w, port, opaque) is { } e)
                {
                    collided |= result.ContainsKey(e.Key);
                    result[e.Key] = e;
                }
        var exported = service.Labels.TryGetValue(MeshLabels.Exported, out var label) && label == "true";
        var translated = Profile(profile, authority.Port, opaque, exported);
        translated.PreferLocal = MeshAnnotations.PrefersLocal(service.Annotations);
        if (consumer is not null && consumer.Value.Routes.Any(r => r.Port == 0 || r.Port == authority.Port))
        {
            translated.Routes.Clear();
            foreach (var r in consumer.Value.Routes)
                if (r.Port == 0 || r.Port == authority.Port)
                    translated.Routes.Add(Route(r, authority.Port));
        }
        return new TranslatedService(true, result.ToImmutable(), translated,
            port is null ? NoSuchPort(service, authority.Port) : "");
    }

    /// <summary>The watched port of the service and whether it is opaque.</summary>
    private static (ServicePortView? Port, bool Opaque) Target(ServiceAuthority authority, ServiceView service, Versioned<ProfileView> profile)
    {
        var port = service.Ports.FirstOrDefault(p => p.Port == authority.Port);
        return (port, port?.Opaque == true || profile.Value.OpaquePorts.Contains(authority.Port));
    }

    /// <summary>The translation of the endpoint set <paramref name="change"/> made from <paramref name="before"/>, from the
    /// translation of <paramref name="before"/> (<paramref name="translated"/>, without collisions, same service and
    /// profile): only the changed endpoints are translated. Null when a new endpoint collides with another's key (then
    /// translate the whole set). <paramref name="changedKeys"/>: the translated keys that may differ, in key order.</summary>
    public static TranslatedService? Patch(ServiceAuthority authority, ServiceView service, Versioned<ProfileView> profile, TranslatedService translated,
        EndpointSetView before, EndpointSetChange change, out ImmutableArray<string> changedKeys)
    {
        changedKeys = [];
        var (port, opaque) = Target(authority, service, profile);
        if (port is null || !translated.Exists) return null;
        var result = translated.Endpoints.ToBuilder();
        var changed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in change.Removals.Concat(change.Upserts.Select(EndpointKey.Of)))
            if (Find(before, key) is { } old && Endpoint(old, port, opaque) is { } gone)
            {
                result.Remove(gone.Key);
                changed.Add(gone.Key);
            }
        foreach (var w in change.Upserts)
            if (Endpoint(w, port, opaque) is { } e)
            {
                if (!result.TryAdd(e.Key, e)) return null;
                changed.Add(e.Key);
            }
        changedKeys = [.. changed];
        return translated with { Endpoints = result.ToImmutable() };
    }

    /// <summary>The endpoint under <paramref name="key"/> in a set kept in key order (a delta was applied to it).</summary>
    private static WorkloadEndpoint? Find(EndpointSetView set, EndpointKey key)
    {
        int lo = 0, hi = set.Endpoints.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) / 2;
            var order = EndpointKey.Of(set.Endpoints[mid]).CompareTo(key);
            if (order == 0) return set.Endpoints[mid];
            if (order < 0) lo = mid + 1;
            else hi = mid - 1;
        }
        return null;
    }

    /// <summary>"service books.default has no port 80; its ports: 8080 (http)".</summary>
    public static string NoSuchPort(ServiceView service, int port) =>
        $"service {service.Name}.{service.Namespace} has no port {port}; its ports: " + (service.Ports.IsEmpty ? "none"
            : string.Join(", ", service.Ports.Select(p => p.Name is { Length: > 0 } name ? $"{p.Port} ({name})" : $"{p.Port}")));

    /// <summary>The endpoint for one workload, or null when it lacks the named target port. The endpoint's own port map
    /// answers first (an EndpointSlice maps a targetPort to the number its endpoints listen on); a numeric targetPort it
    /// does not list is used as it is (a Workload need not declare every port).</summary>
    public static Endpoint? Endpoint(WorkloadEndpoint w, ServicePortView port, bool opaque)
    {
        if (!w.Ports.TryGetValue(port.TargetPort, out var target) && !int.TryParse(port.TargetPort, out target)) return null;

        var meshed = !string.IsNullOrEmpty(w.Identity) && w.ProxyInboundPort is > 0;
        var e = new Endpoint
        {
            Key = $"{w.Address}:{target}",
            Address = w.Address,
            Port = (uint)target,
            Weight = (uint)Math.Max(0, w.Weight),
            Identity = meshed ? w.Identity : "",
            ProxyPort = meshed ? (uint)w.ProxyInboundPort!.Value : 0,
            ProtocolHint = !meshed ? ProtocolHint.Unknown : opaque ? ProtocolHint.Opaque : ProtocolHint.H2,
            Zone = w.Zone ?? "",
            Workload = w.Workload,
            Ready = w.Ready,
            Cluster = w.Cluster ?? "",
            // The remote Service has the mirror's port numbers, so the port the client asked for names it there too.
            AuthorityOverride = w.AuthorityOverride is { } host ? $"{host}:{port.Port}" : "",
        };
        e.Labels.Add(w.Labels);
        return e;
    }

    public static ServiceProfile Profile(Versioned<ProfileView> versioned, int port, bool opaque, bool exported = false)
    {
        var p = versioned.Value;
        var profile = new ServiceProfile
        {
            Opaque = opaque,
            Exported = exported,
            Retry = Retry(p.Retry),
            Timeouts = Timeouts(p.Timeouts),
            FailureAccrual = new FailureAccrual
            {
                ConsecutiveFailures = (uint)Math.Max(0, p.FailureAccrual.ConsecutiveFailures),
                MinBackoffMs = Ms(p.FailureAccrual.MinBackoff),
                MaxBackoffMs = Ms(p.FailureAccrual.MaxBackoff),
                JitterRatio = p.FailureAccrual.Jitter,
            },
            SourceVersion = (ulong)Math.Max(0, versioned.Version),
        };
        foreach (var r in p.Routes)
            if (r.Port == 0 || r.Port == port)
                profile.Routes.Add(Route(r, port));
        return profile;
    }

    /// <param name="port">The watched service port: a backend without a port (a parentRef and backendRef that name
    /// none) means the port the request came in on.</param>
    public static Route Route(RouteView r, int port)
    {
        var route = new Route
        {
            Name = r.Name,
            Kind = r.Kind == RouteKindView.Grpc ? RouteKind.Grpc : RouteKind.Http,
            Timeouts = Timeouts(r.Timeouts),
            Retry = Retry(r.Retry),
        };
        foreach (var m in r.Matches) route.Matches.Add(Match(m));
        AddFilters(route.Filters, r.Filters);
        foreach (var b in r.Backends)
        {
            var backend = new Backend
            {
                Authority = (b.Port == 0 ? b with { Port = port } : b).Authority(), Weight = (uint)Math.Max(0, b.Weight), Name = b.Name,
                Namespace = b.Namespace, Port = (uint)(b.Port == 0 ? port : b.Port),
            };
            AddFilters(backend.Filters, b.Filters);
            route.Backends.Add(backend);
        }
        return route;
    }

    private static RouteMatch Match(RouteMatchView m)
    {
        var match = new RouteMatch
        {
            Path = m.Path is null ? null : String(m.Path),
            Method = m.Method ?? "",
            GrpcService = m.GrpcService ?? "",
            GrpcMethod = m.GrpcMethod ?? "",
        };
        foreach (var h in m.Headers) match.Headers.Add(new HeaderMatch { Name = h.Name, Value = String(h.Value) });
        foreach (var q in m.QueryParams) match.QueryParams.Add(new HeaderMatch { Name = q.Name, Value = String(q.Value) });
        return match;
    }

    private static StringMatch String(StringMatchView s) => new()
    {
        Type = s.Kind switch { MatchKind.Prefix => MatchType.Prefix, MatchKind.Regex => MatchType.Regex, _ => MatchType.Exact },
        Value = s.Value,
    };

    private static void AddFilters(RepeatedField<RouteFilter> target, ImmutableArray<FilterView> filters)
    {
        foreach (var f in filters)
        {
            var filter = f.Kind switch
            {
                FilterKind.RequestHeaderModifier when f.HeaderModifier is { } h => new RouteFilter { RequestHeaderModifier = Modifier(h) },
                FilterKind.ResponseHeaderModifier when f.HeaderModifier is { } h => new RouteFilter { ResponseHeaderModifier = Modifier(h) },
                FilterKind.RequestRedirect when f.Redirect is { } r => new RouteFilter
                {
                    RequestRedirect = new RequestRedirect
                    {
                        Scheme = r.Scheme ?? "", Hostname = r.Hostname ?? "", Path = r.Path ?? "",
                        Port = (uint)(r.Port ?? 0), StatusCode = (uint)r.StatusCode, ReplacePrefixMatch = r.ReplacePrefixMatch ?? "",
                    },
                },
                FilterKind.UrlRewrite when f.Rewrite is { } u => new RouteFilter
                {
                    UrlRewrite = new UrlRewrite
                    {
                        Hostname = u.Hostname ?? "", ReplaceFullPath = u.ReplaceFullPath ?? "", ReplacePrefixMatch = u.ReplacePrefixMatch ?? "",
                    },
                },
                _ => null,
            };
            if (filter is not null) target.Add(filter);
        }
    }

    private static HeaderModifier Modifier(HeaderModifierView h)
    {
        var m = new HeaderModifier();
        m.Set.Add(h.Set);
        m.Add.Add(h.Add);
        m.Remove.AddRange(h.Remove);
        return m;
    }

    private static RetryPolicy? Retry(RetryView? r)
    {
        if (r is null) return null;
        var retry = new RetryPolicy { Limit = (uint)Math.Max(0, r.Limit), PerTryTimeoutMs = Ms(r.PerTryTimeout) };
        retry.Conditions.AddRange(r.Conditions);
        return retry;
    }

    private static Timeouts? Timeouts(TimeoutsView? t) => t is null ? null : new Timeouts
    {
        RequestMs = Ms(t.Request), BackendRequestMs = Ms(t.BackendRequest), IdleMs = Ms(t.Idle),
    };

    private static uint Ms(TimeSpan? t) => t is { } v ? (uint)Math.Clamp(v.TotalMilliseconds, 0, uint.MaxValue) : 0;

    public static InboundPolicy Inbound(InboundPolicyView v)
    {
        var policy = new InboundPolicy
        {
            Exists = v.Exists,
            DefaultPolicy = v.DefaultPolicy switch
            {
                DefaultPolicyKind.AllAuthenticated => DefaultPolicy.AllAuthenticated,
                DefaultPolicyKind.ClusterAuthenticated => DefaultPolicy.ClusterAuthenticated,
                DefaultPolicyKind.Deny => DefaultPolicy.Deny,
                _ => DefaultPolicy.AllUnauthenticated,
            },
            Identity = v.Identity ?? "",
        };
        policy.ClusterNetworks.AddRange(v.ClusterNetworks);
        foreach (var (name, port) in v.Ports) policy.Ports[name] = (uint)port;
        foreach (var s in v.Servers)
        {
            var server = new InboundServer { Name = s.Name, Port = (uint)s.Port, ProxyProtocol = s.ProxyProtocol };
            server.TrustedGateways.AddRange(s.TrustedGateways.IsDefault ? [] : s.TrustedGateways);
            foreach (var a in s.Authorizations)
            {
                var authz = new Authorization { Name = a.Name, RequireIdentity = a.RequireIdentity, RequireNetwork = a.RequireNetwork };
                authz.Identities.AddRange(a.Identities);
                foreach (var n in a.Networks)
                {
                    var network = new Network { Cidr = n.Cidr };
                    network.Except.AddRange(n.Except);
                    authz.Networks.Add(network);
                }
                server.Authorizations.Add(authz);
            }
            if (s.RateLimit is { } rl)
            {
                var limit = new RateLimit { Name = rl.Name, TotalRps = (uint)Math.Max(0, rl.TotalRps), IdentityRps = (uint)Math.Max(0, rl.IdentityRps) };
                foreach (var o in rl.Overrides)
                {
                    var ov = new RateLimitOverride { Rps = (uint)Math.Max(0, o.Rps) };
                    ov.Identities.AddRange(o.Identities);
                    limit.Overrides.Add(ov);
                }
                server.RateLimit = limit;
            }
            policy.Servers.Add(server);
        }
        return policy;
    }
}
