using Mesh.Abstractions;
using System.Collections.Immutable;
using System.Text.RegularExpressions;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;
using Mesh.Abstractions.Resources.Validation;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Compiles the HTTPRoutes/GRPCRoutes attached to one Service (GAMMA: parentRef group "", kind Service; producer
/// routes in the Service's namespace, consumer routes in a client's) into its <see cref="ProfileView"/>: one <see cref="RouteView"/> per (rule, match) in precedence order,
/// with retries, timeouts and failure accrual from annotations (the Service's are defaults; a route's override them).
/// When any GRPCRoute attaches to the Service, its HTTPRoutes are ignored (as Linkerd does).</summary>
internal static class RouteCompiler
{
    public static ProfileView Compile(ServiceResource service, ServiceView view, NamespaceResources all)
    {
        var defaults = service.Metadata.Annotations;
        var candidates = Candidates(all, service.Metadata.Namespace, service.Metadata.Name, defaults);
        var retry = AnnotationReader.ReadRetry(defaults);
        var timeouts = AnnotationReader.ReadTimeouts(defaults);
        var conditions = (retry.Http ?? []).AddRange(retry.Grpc ?? []);
        return new ProfileView(service.Metadata.Namespace, service.Metadata.Name,
            [.. candidates.Select(c => c.View)],
            retry.Http is null && retry.Grpc is null ? null : new RetryView(conditions, retry.Limit ?? 1, retry.PerTry),
            timeouts.Any ? new TimeoutsView(timeouts.Request, timeouts.Response, timeouts.Idle) : null,
            AnnotationReader.ReadFailureAccrual(defaults),
            ServiceViewBuilder.OpaquePorts(view));
    }

    /// <summary>GAMMA consumer routes: the routes of this namespace whose parentRef is a Service in another namespace,
    /// compiled per target Service (key "&lt;service ns&gt;/&lt;service&gt;"). They apply only to clients in this namespace and
    /// replace the producer's routes there; the Service's own settings (retries, timeouts, failure accrual, opaque ports)
    /// live in its namespace, so these profiles carry routes only and the producer's profile supplies the rest.</summary>
    public static ImmutableDictionary<string, ProfileView> CompileConsumers(NamespaceResources all)
    {
        var targets = all.HttpRoutes.SelectMany(r => r.Spec.ParentRefs)
            .Concat(all.GrpcRoutes.SelectMany(r => r.Spec.ParentRefs))
            .Where(p => p.Group == "" && p.Kind == "Service" && p.Namespace is { } n && n != all.Namespace)
            .Select(p => (Namespace: p.Namespace!, p.Name))
            .Distinct()
            .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal);
        var result = ImmutableDictionary.CreateBuilder<string, ProfileView>(StringComparer.Ordinal);
        foreach (var (ns, name) in targets)
        {
            var candidates = Candidates(all, ns, name, ImmutableDictionary<string, string>.Empty);
            if (candidates.Count == 0) continue;
            result[MeshNames.Key(ns, name)] = ProfileView.Default(ns, name) with { Routes = [.. candidates.Select(c => c.View)] };
        }
        return result.ToImmutable();
    }

    /// <summary>Every (rule, match) of the routes in <paramref name="all"/> that attach to Service
    /// <paramref name="serviceNs"/>/<paramref name="service"/>, in precedence order.</summary>
    private static List<RouteCandidate> Candidates(NamespaceResources all, string serviceNs, string service, ImmutableDictionary<string, string> defaults)
    {
        var candidates = new List<RouteCandidate>();
        var grpc = all.GrpcRoutesByParent[service].Where(r => Parents(r.Metadata, r.Spec.ParentRefs, serviceNs, service).Any()).ToArray();
        if (grpc.Length > 0)
        {
            foreach (var route in grpc)
                foreach (var parent in Parents(route.Metadata, route.Spec.ParentRefs, serviceNs, service))
                    for (var i = 0; i < route.Spec.Rules.Length; i++)
                        candidates.AddRange(GrpcRule(route, parent, i, defaults));
        }
        else
        {
            foreach (var route in all.HttpRoutesByParent[service])
                foreach (var parent in Parents(route.Metadata, route.Spec.ParentRefs, serviceNs, service))
                    for (var i = 0; i < route.Spec.Rules.Length; i++)
                        candidates.AddRange(HttpRule(route, parent, i, defaults));
        }
        candidates.Sort(RoutePrecedence.Instance);
        return candidates;
    }

    /// <summary>The parentRefs of a route that name Service <paramref name="serviceNs"/>/<paramref name="service"/> (a
    /// parentRef without a namespace names one in the route's own namespace).</summary>
    private static IEnumerable<ParentRef> Parents(ObjectMeta route, ImmutableArray<ParentRef> parents, string serviceNs, string service) =>
        parents.Where(p => p.Group == "" && p.Kind == "Service" && p.Name == service
            && (p.Namespace ?? route.Namespace) == serviceNs);

    private static IEnumerable<RouteCandidate> HttpRule(HttpRouteResource route, ParentRef parent, int index, ImmutableDictionary<string, string> defaults)
    {
        var rule = route.Spec.Rules[index];
        var filters = FilterCompiler.Compile(rule.Filters);
        var redirect = rule.Filters.Any(f => f.Type == "RequestRedirect");
        var backends = Backends(route.Metadata, parent, rule.BackendRefs, redirect);
        var timeouts = Timeouts(rule.Timeouts, route.Metadata.Annotations, defaults);
        var retry = Retry(route.Metadata.Annotations, defaults, grpc: false);
        var matches = rule.Matches.IsEmpty ? [new HttpRouteMatch { Path = new HttpPathMatch() }] : rule.Matches;
        for (var m = 0; m < matches.Length; m++)
        {
            var match = matches[m];
            var path = match.Path is { } p ? new StringMatchView(PathKind(p.Type), p.Value) : null;
            var view = new RouteView(RouteName(route.Metadata, index), RouteKindView.Http, parent.Port ?? 0,
                [new RouteMatchView(path, Headers(match.Headers), Headers(match.QueryParams), match.Method, null, null)],
                filters, backends, timeouts, retry);
            var rank = new MatchRank(RoutePrecedence.PathKind(path), path?.Value.Length ?? 0, match.Method is not null,
                match.Headers.Length, match.QueryParams.Length, 0, 0);
            yield return new RouteCandidate(view, route.Metadata.CreationTimestamp, route.Metadata.Name, index, m, rank);
        }
    }

    private static IEnumerable<RouteCandidate> GrpcRule(GrpcRouteResource route, ParentRef parent, int index, ImmutableDictionary<string, string> defaults)
    {
        var rule = route.Spec.Rules[index];
        var filters = FilterCompiler.Compile(rule.Filters);
        var backends = Backends(route.Metadata, parent, rule.BackendRefs, redirect: false);
        var timeouts = Timeouts(null, route.Metadata.Annotations, defaults);
        var retry = Retry(route.Metadata.Annotations, defaults, grpc: true);
        var name = RouteName(route.Metadata, index);
        if (rule.Matches.IsEmpty)
        {
            // No matches: the rule takes every request (an empty Matches list matches everything).
            var all = new RouteView(name, RouteKindView.Grpc, parent.Port ?? 0, [], filters, backends, timeouts, retry);
            yield return new RouteCandidate(all, route.Metadata.CreationTimestamp, route.Metadata.Name, index, 0, new MatchRank(3, 0, false, 0, 0, 0, 0));
            yield break;
        }
        for (var m = 0; m < rule.Matches.Length; m++)
        {
            var match = rule.Matches[m];
            var method = match.Method;
            var view = new RouteView(name, RouteKindView.Grpc, parent.Port ?? 0,
                [new RouteMatchView(GrpcPath(method), Headers(match.Headers), [], null, method?.Service, method?.Method)],
                filters, backends, timeouts, retry);
            var rank = new MatchRank(3, 0, false, match.Headers.Length, 0, method?.Service?.Length ?? 0, method?.Method?.Length ?? 0);
            yield return new RouteCandidate(view, route.Metadata.CreationTimestamp, route.Metadata.Name, index, m, rank);
        }
    }

    /// <summary>The HTTP/2 :path a gRPC method match stands for ("/&lt;service&gt;/&lt;method&gt;"), so the proxy matches
    /// gRPC and HTTP routes the same way. Exact with both parts is an exact path; anything else an anchored regex.</summary>
    private static StringMatchView? GrpcPath(GrpcMethodMatch? m)
    {
        if (m is null) return null;
        if (m.Type == "Exact")
        {
            if (m.Service is { } s && m.Method is { } me) return new StringMatchView(MatchKind.Exact, $"/{s}/{me}");
            return new StringMatchView(MatchKind.Regex,
                $"^/{(m.Service is null ? "[^/]+" : Regex.Escape(m.Service))}/{(m.Method is null ? "[^/]+" : Regex.Escape(m.Method))}$");
        }
        return new StringMatchView(MatchKind.Regex, $"^/({m.Service ?? "[^/]+"})/({m.Method ?? "[^/]+"})$");
    }

    private static ImmutableArray<BackendView> Backends(ObjectMeta route, ParentRef parent, ImmutableArray<BackendRef> refs, bool redirect)
    {
        if (refs.IsEmpty)
            return redirect ? [] : [new BackendView(parent.Namespace ?? route.Namespace, parent.Name, parent.Port ?? 0, 1, [])];
        return [.. refs.Select(b => new BackendView(b.Namespace ?? route.Namespace, b.Name, b.Port ?? parent.Port ?? 0, b.Weight,
            FilterCompiler.Compile(b.Filters)))];
    }

    /// <summary>Per-route timeouts: the rule's <c>timeouts</c>, else the route's annotations, else the Service's.</summary>
    private static TimeoutsView? Timeouts(HttpRouteTimeouts? rule, ImmutableDictionary<string, string> route, ImmutableDictionary<string, string> service)
    {
        var r = AnnotationReader.ReadTimeouts(route);
        var s = AnnotationReader.ReadTimeouts(service);
        var request = Parse(rule?.Request) ?? r.Request ?? s.Request;
        var backend = Parse(rule?.BackendRequest) ?? r.Response ?? s.Response;
        var idle = r.Idle ?? s.Idle;
        return request is null && backend is null && idle is null ? null : new TimeoutsView(request, backend, idle);
    }

    private static RetryView? Retry(ImmutableDictionary<string, string> route, ImmutableDictionary<string, string> service, bool grpc)
    {
        var r = AnnotationReader.ReadRetry(route);
        var s = AnnotationReader.ReadRetry(service);
        var conditions = grpc ? r.Grpc ?? s.Grpc : r.Http ?? s.Http;
        return conditions is null ? null : new RetryView(conditions.Value, r.Limit ?? s.Limit ?? 1, r.PerTry ?? s.PerTry);
    }

    private static TimeSpan? Parse(string? duration) => duration is not null && Duration.TryParse(duration, out var t) ? t : null;

    private static string RouteName(ObjectMeta route, int rule) => $"{route.Namespace}/{route.Name}/rule-{rule}";

    private static MatchKind PathKind(string type) => type switch
    {
        "Exact" => MatchKind.Exact,
        "RegularExpression" => MatchKind.Regex,
        _ => MatchKind.Prefix,
    };

    private static ImmutableArray<HeaderMatchView> Headers(ImmutableArray<NameValueMatch> matches) =>
        [.. matches.Select(h => new HeaderMatchView(h.Name, new StringMatchView(h.Type == "RegularExpression" ? MatchKind.Regex : MatchKind.Exact, h.Value)))];
}
