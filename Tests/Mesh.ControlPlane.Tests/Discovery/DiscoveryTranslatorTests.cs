using System.Collections.Immutable;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.ControlPlane.Tests.Support;
using Mesh.Names;
using Mesh.Silo.Discovery;

namespace Mesh.ControlPlane.Tests.Discovery;

public sealed class DiscoveryTranslatorTests
{
    private static readonly ServiceAuthority Books = new("books", "default", 8080);
    private static Versioned<ProfileView> Profile(ProfileView? p = null, long version = 1) => new(version, p ?? ProfileView.Default("default", "books"));

    [Fact]
    public void Translate_NoService_Missing()
    {
        var t = DiscoveryTranslator.Translate(Books, null, Views.Endpoints("books", Views.Workload("a", "127.0.0.11")), Profile());
        Assert.False(t.Exists);
        Assert.Empty(t.Endpoints);
    }

    [Fact]
    public void Translate_PortTheServiceDoesNotHave_ProblemNamesThePortAndListsPorts()
    {
        var t = DiscoveryTranslator.Translate(new ServiceAuthority("books", "default", 80), Views.Service("books"),
            Views.Endpoints("books", Views.Workload("a", "127.0.0.11")), Profile());
        Assert.True(t.Exists);
        Assert.Empty(t.Endpoints);
        Assert.Equal("service books.default has no port 80; its ports: 8080 (http)", t.Problem);
        Assert.Equal("", DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books"), Profile()).Problem);
    }

    [Fact]
    public void Translate_NumericTargetPortTheEndpointMaps_TheMappedNumberElseTheTargetPortItself()
    {
        // An EndpointSlice endpoint maps targetPort "7001" to where it really listens; a Workload lists no such key.
        var sliced = Views.Workload("a", "127.0.0.11", port: 17001, portName: "7001");
        var plain = Views.Workload("b", "127.0.0.12", portName: null);
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books", sliced, plain), Profile());
        Assert.Equal(["127.0.0.11:17001", "127.0.0.12:7001"], t.Endpoints.Keys);
    }

    [Fact]
    public void Translate_NamedTargetPort_ResolvedPerWorkloadAndSkippedWhenMissing()
    {
        var service = Views.Service("books", targetPort: "http");
        var endpoints = Views.Endpoints("books",
            Views.Workload("a", "127.0.0.11", port: 7001),
            Views.Workload("b", "127.0.0.12", port: 7002),
            Views.Workload("c", "127.0.0.13", portName: "grpc"));
        var t = DiscoveryTranslator.Translate(Books, service, endpoints, Profile());
        Assert.Equal(["127.0.0.11:7001", "127.0.0.12:7002"], t.Endpoints.Keys);
    }

    [Fact]
    public void Translate_MeshedAndUnmeshed_IdentityProxyPortAndHint()
    {
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books"),
            Views.Endpoints("books", Views.Workload("a", "127.0.0.11"), Views.Workload("b", "127.0.0.12", meshed: false)), Profile());
        var meshed = t.Endpoints["127.0.0.11:7001"];
        Assert.Equal("spiffe://cluster.local/ns/default/sa/a", meshed.Identity);
        Assert.Equal(4143u, meshed.ProxyPort);
        Assert.Equal(ProtocolHint.H2, meshed.ProtocolHint);
        var plain = t.Endpoints["127.0.0.12:7001"];
        Assert.Equal("", plain.Identity);
        Assert.Equal(0u, plain.ProxyPort);
        Assert.Equal(ProtocolHint.Unknown, plain.ProtocolHint);
    }

    [Fact]
    public void Translate_OpaquePort_OpaqueHintAndProfile()
    {
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books", opaque: true),
            Views.Endpoints("books", Views.Workload("a", "127.0.0.11")), Profile());
        Assert.Equal(ProtocolHint.Opaque, t.Endpoints.Single().Value.ProtocolHint);
        Assert.True(t.Profile.Opaque);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData(null, false)]
    public void Translate_ExportedLabel_MarksTheProfileExported(string? label, bool exported)
    {
        var service = Views.Service("books");
        if (label is not null) service = service with { Labels = service.Labels.Add(Abstractions.Resources.MeshLabels.Exported, label) };
        var t = DiscoveryTranslator.Translate(Books, service, Views.Endpoints("books", Views.Workload("a", "127.0.0.11")), Profile());
        Assert.Equal(exported, t.Profile.Exported);
    }

    [Fact]
    public void Translate_OtherPort_NoEndpointsButExists()
    {
        var t = DiscoveryTranslator.Translate(Books with { Port = 9999 }, Views.Service("books"),
            Views.Endpoints("books", Views.Workload("a", "127.0.0.11")), Profile());
        Assert.True(t.Exists);
        Assert.Empty(t.Endpoints);
    }

    [Fact]
    public void Profile_RoutesForAllPortsOrThisPort_BackendsRetryTimeouts()
    {
        RouteView Route(string name, int port) => new(name, RouteKindView.Http, port,
            [new RouteMatchView(new StringMatchView(MatchKind.Prefix, "/api"), [], [], "GET", null, null)], [],
            [new BackendView("default", "books-v1", 8080, 90, []), new BackendView("default", "books-v2", 8080, 10, [])],
            new TimeoutsView(TimeSpan.FromSeconds(2), null, null), null);
        var profile = ProfileView.Default("default", "books") with
        {
            Routes = [Route("default/all/rule-0", 0), Route("default/this/rule-0", 8080), Route("default/other/rule-0", 9090)],
            Retry = new RetryView(["5xx"], 2, TimeSpan.FromMilliseconds(500)),
        };
        var p = DiscoveryTranslator.Profile(new Versioned<ProfileView>(7, profile), 8080, opaque: false);

        Assert.Equal(["default/all/rule-0", "default/this/rule-0"], p.Routes.Select(r => r.Name));
        var route = p.Routes[0];
        Assert.Equal(Api.V1.MatchType.Prefix, route.Matches[0].Path.Type);
        Assert.Equal("GET", route.Matches[0].Method);
        Assert.Equal(2000u, route.Timeouts.RequestMs);
        Assert.Equal(["books-v1.default.svc.cluster.local:8080", "books-v2.default.svc.cluster.local:8080"], route.Backends.Select(b => b.Authority));
        Assert.Equal([90u, 10u], route.Backends.Select(b => b.Weight));
        Assert.Equal(2u, p.Retry.Limit);
        Assert.Equal(500u, p.Retry.PerTryTimeoutMs);
        Assert.Equal(7u, p.FailureAccrual.ConsecutiveFailures);
        Assert.Equal(60000u, p.FailureAccrual.MaxBackoffMs);
        Assert.Equal(7ul, p.SourceVersion);
    }

    [Fact]
    public void Inbound_View_MapsServersAuthorizationsRateLimits()
    {
        var view = InboundPolicyView.Missing("default", "books", DefaultPolicyKind.ClusterAuthenticated) with
        {
            Exists = true,
            Ports = ImmutableDictionary<string, int>.Empty.Add("http", 7001),
            Servers = [new InboundServerView("default/web", 7001, "HTTP/1",
                [new AuthorizationView("default/authz", ["spiffe://cluster.local/ns/default/sa/web"], true,
                    [new NetworkView("10.0.0.0/8", ["10.1.0.0/16"])], true)],
                new RateLimitView("default/rl", 100, 10, [new RateLimitOverrideView(50, ["*"])]))],
        };
        var p = DiscoveryTranslator.Inbound(view);
        Assert.Equal(DefaultPolicy.ClusterAuthenticated, p.DefaultPolicy);
        Assert.Equal(7001u, p.Ports["http"]);
        var authz = p.Servers[0].Authorizations[0];
        Assert.Equal("10.1.0.0/16", authz.Networks[0].Except[0]);
        Assert.Equal(100u, p.Servers[0].RateLimit.TotalRps);
        Assert.Equal(50u, p.Servers[0].RateLimit.Overrides[0].Rps);
        Assert.Empty(p.Servers[0].TrustedGateways);
    }

    [Fact]
    public void Inbound_ServerTrustingGateways_CarriesTheirIdentities()
    {
        var view = InboundPolicyView.Missing("default", "books", DefaultPolicyKind.Deny) with
        {
            Exists = true,
            Servers = [new InboundServerView("default/web", 7001, "HTTP/1", [], null)
            {
                TrustedGateways = ["spiffe://west.mesh/ns/mesh/sa/gateway", "gateway-2.mesh.serviceaccount.identity.mesh.west.mesh"],
            }],
        };
        Assert.Equal(["spiffe://west.mesh/ns/mesh/sa/gateway", "gateway-2.mesh.serviceaccount.identity.mesh.west.mesh"],
            DiscoveryTranslator.Inbound(view).Servers[0].TrustedGateways);
    }

    private static RouteView NamedRoute(string name, int port = 0) => new(name, RouteKindView.Http, port, [], [], [], null, null);

    [Fact]
    public void Translate_ConsumerRoutesForThePort_ReplaceTheProducersRoutes()
    {
        var producer = Profile(ProfileView.Default("default", "books") with { Routes = [NamedRoute("default/producer/rule-0")] });
        var consumer = Profile(ProfileView.Default("default", "books") with { Routes = [NamedRoute("cons/consumer/rule-0")] });
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books"), producer, consumer);
        Assert.Equal(["cons/consumer/rule-0"], t.Profile.Routes.Select(r => r.Name));
    }

    [Fact]
    public void Translate_ConsumerRoutesOnlyForAnotherPort_KeepTheProducersRoutes()
    {
        var producer = Profile(ProfileView.Default("default", "books") with { Routes = [NamedRoute("default/producer/rule-0")] });
        var consumer = Profile(ProfileView.Default("default", "books") with { Routes = [NamedRoute("cons/consumer/rule-0", port: 9090)] });
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books"), producer, consumer);
        Assert.Equal(["default/producer/rule-0"], t.Profile.Routes.Select(r => r.Name));
        Assert.Empty(DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books"), Profile(), Profile()).Profile.Routes);
    }

    [Fact]
    public void Translate_RedirectWithReplacePrefixMatch_CarriesThePrefix()
    {
        var redirect = new FilterView(FilterKind.RequestRedirect, null, new RedirectView(null, null, null, null, 301, "/replacement-prefix"), null);
        var route = NamedRoute("default/r/rule-0") with { Filters = [redirect] };
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books"),
            Profile(ProfileView.Default("default", "books") with { Routes = [route] }));
        var wire = t.Profile.Routes.Single().Filters.Single().RequestRedirect;
        Assert.Equal(("/replacement-prefix", "", 301u), (wire.ReplacePrefixMatch, wire.Path, wire.StatusCode));
    }

    [Fact]
    public void Translate_BackendWithoutPort_TakesTheWatchedPort()
    {
        var route = NamedRoute("default/r/rule-0") with { Backends = [new BackendView("default", "books", 0, 1, [])] };
        var t = DiscoveryTranslator.Translate(Books, Views.Service("books"), Views.Endpoints("books"),
            Profile(ProfileView.Default("default", "books") with { Routes = [route] }));
        var backend = t.Profile.Routes.Single().Backends.Single();
        Assert.Equal(("books.default.svc.cluster.local:8080", 8080u), (backend.Authority, backend.Port));
    }
}
