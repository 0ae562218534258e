using System.Collections.Immutable;
using System.Text.Json;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Admin.Contract;

namespace Mesh.Silo.Admin;

/// <summary>The derived views (Mesh.Abstractions.Model) as the admin contract's records, field by field, for
/// `GET /api/v1/services/{ns}/{name}`; enum values become the camelCase names the API always wrote.</summary>
internal static class ServiceDescriptions
{
    public static VersionedValue<ServiceInfo> Of(Versioned<ServiceView?> v) => new(v.Version, v.Value is { } s
        ? new ServiceInfo(s.Namespace, s.Name, List(s.Ports, p => new ServicePortInfo(p.Name, p.Port, p.TargetPort, p.AppProtocol, p.Opaque)),
            s.Selector, s.Labels, s.Annotations)
        : null);

    public static VersionedValue<EndpointSetInfo> Of(Versioned<EndpointSetView> v) => new(v.Version,
        new EndpointSetInfo(v.Value.Namespace, v.Value.Service, List(v.Value.Endpoints, e => new EndpointInfo(e.Workload, e.Address, e.Ports,
            e.Identity, e.ProxyInboundPort, e.ProxyAdminPort, e.Zone, e.Weight, e.Ready, e.Labels))));

    public static VersionedValue<ProfileInfo> Of(Versioned<ProfileView> v) => new(v.Version, Profile(v.Value));

    public static ProfileInfo Profile(ProfileView p) => new(p.Namespace, p.Service, Routes(p.Routes), Retry(p.Retry), Timeouts(p.Timeouts),
        new FailureAccrualInfo(p.FailureAccrual.ConsecutiveFailures, p.FailureAccrual.MinBackoff, p.FailureAccrual.MaxBackoff, p.FailureAccrual.Jitter),
        p.OpaquePorts.IsDefault ? [] : p.OpaquePorts);

    public static IReadOnlyList<RouteInfo> Routes(ImmutableArray<RouteView> routes) => List(routes, r => new RouteInfo(r.Name, Name(r.Kind), r.Port,
        List(r.Matches, m => new RouteMatchInfo(Match(m.Path), List(m.Headers, Header), List(m.QueryParams, Header), m.Method, m.GrpcService, m.GrpcMethod)),
        Filters(r.Filters), List(r.Backends, b => new BackendInfo(b.Namespace, b.Name, b.Port, b.Weight, Filters(b.Filters))),
        Timeouts(r.Timeouts), Retry(r.Retry)));

    private static IReadOnlyList<FilterInfo> Filters(ImmutableArray<FilterView> filters) => List(filters, f => new FilterInfo(Name(f.Kind),
        f.HeaderModifier is { } h ? new HeaderModifierInfo(h.Set, h.Add, h.Remove.IsDefault ? [] : h.Remove) : null,
        f.Redirect is { } d ? new RedirectInfo(d.Scheme, d.Hostname, d.Path, d.Port, d.StatusCode, d.ReplacePrefixMatch) : null,
        f.Rewrite is { } w ? new UrlRewriteInfo(w.Hostname, w.ReplaceFullPath, w.ReplacePrefixMatch) : null));

    private static StringMatchInfo? Match(StringMatchView? m) => m is null ? null : new StringMatchInfo(Name(m.Kind), m.Value);

    private static HeaderMatchInfo Header(HeaderMatchView h) => new(h.Name, Match(h.Value));

    private static RetryInfo? Retry(RetryView? r) => r is null ? null : new RetryInfo(r.Conditions.IsDefault ? [] : r.Conditions, r.Limit, r.PerTryTimeout);

    private static TimeoutsInfo? Timeouts(TimeoutsView? t) => t is null ? null : new TimeoutsInfo(t.Request, t.BackendRequest, t.Idle);

    private static string Name<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.CamelCase.ConvertName(value.ToString());

    private static IReadOnlyList<TOut> List<TIn, TOut>(ImmutableArray<TIn> items, Func<TIn, TOut> map) => items.IsDefault ? [] : [.. items.Select(map)];
}
