using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;

namespace Mesh.Abstractions.Tests.Resources;

public sealed class MeshReconcilerTests
{
    private static DerivedNamespace Derive(string yaml, string ns = "default", ReconcileSettings? settings = null) =>
        MeshReconciler.Derive(ns, MeshReconcilerGoldenTests.Store(yaml), settings ?? ReconcileSettings.Default);

    [Fact]
    public void Derive_BackendServiceMissing_BackendKept()
    {
        var d = Derive("""
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec: {ports: [{port: 8080}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, port: 8080}]
              rules: [{backendRefs: [{name: ghost, port: 8080}]}]
            """);

        var backend = Assert.Single(Assert.Single(d.Profiles["books"].Routes).Backends);
        Assert.Equal(("default", "ghost", 8080), (backend.Namespace, backend.Name, backend.Port));
        Assert.False(d.Services.ContainsKey("ghost"));
    }

    [Fact]
    public void Derive_RouteWithoutPortAndBackendWithoutPort_PortZeroMeansRequestPort()
    {
        var d = Derive("""
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec: {ports: [{port: 8080}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{group: "", kind: Service, name: books}]
              rules: [{backendRefs: [{name: books-v2}]}]
            """);

        var route = Assert.Single(d.Profiles["books"].Routes);
        Assert.Equal(0, route.Port);
        Assert.Equal(0, Assert.Single(route.Backends).Port);
    }

    [Fact]
    public void Derive_ParentRefInOtherNamespace_RouteIgnored()
    {
        var d = Derive("""
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec: {ports: [{port: 8080}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: consumer}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, namespace: elsewhere}]
            """);

        Assert.Empty(d.Profiles["books"].Routes);
    }

    [Fact]
    public void Derive_ConsumerRoute_CompiledForTheServiceInTheOtherNamespace()
    {
        var d = Derive("""
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: consumer, namespace: cons}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, namespace: prod, port: 8080}]
              rules:
                - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: X-Header-Set, value: set}]}}]
                - matches: [{path: {type: PathPrefix, value: /v2}}]
                  backendRefs: [{name: books-v2, port: 8080}]
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: producer-of-own, namespace: cons}
            spec:
              parentRefs: [{group: "", kind: Service, name: local}]
            """, ns: "cons");

        var profile = Assert.Single(d.ConsumerProfiles).Value;
        Assert.Equal(("prod", "books"), (profile.Namespace, profile.Service));
        Assert.Equal(["cons/consumer/rule-1", "cons/consumer/rule-0"], profile.Routes.Select(r => r.Name));
        // No backendRefs: the parent Service, in its own namespace; a backendRef without a namespace: the route's.
        Assert.Equal(("prod", "books", 8080), profile.Routes[1].Backends.Select(b => (b.Namespace, b.Name, b.Port)).Single());
        Assert.Equal(("cons", "books-v2", 8080), profile.Routes[0].Backends.Select(b => (b.Namespace, b.Name, b.Port)).Single());
        Assert.Equal(d.ConsumerProfiles.Keys, ["prod/books"]);
    }

    [Fact]
    public void Derive_ParentRefNamingItsOwnNamespace_ProducerRouteNotConsumer()
    {
        var d = Derive("""
            apiVersion: v1
            kind: Service
            metadata: {name: books}
            spec: {ports: [{port: 8080}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: r}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, namespace: default}]
            """);

        Assert.Single(d.Profiles["books"].Routes);
        Assert.Empty(d.ConsumerProfiles);
    }

    [Fact]
    public void Derive_ServerNamesPortWorkloadLacks_ServerNotApplied()
    {
        var d = Derive("""
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: w, labels: {app: web}}
            spec: {addresses: [127.0.0.1], ports: [{name: http, port: 8080}]}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: grpc}
            spec: {podSelector: {matchLabels: {app: web}}, port: grpc}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: http}
            spec: {podSelector: {}, port: http}
            """);

        var server = Assert.Single(d.Inbound["w"].Servers);
        Assert.Equal(("http", 8080), (server.Name, server.Port));
        Assert.Empty(server.Authorizations);
        Assert.Null(d.Inbound["w"].Identity);
    }

    [Fact]
    public void Derive_MissingNetworkAuthentication_AuthorizationDropped()
    {
        var d = Derive("""
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: w, labels: {app: web}}
            spec: {addresses: [127.0.0.1], ports: [{port: 8080}], proxy: {}}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: http}
            spec: {podSelector: {matchLabels: {app: web}}, port: 8080}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: needs-network}
            spec:
              targetRef: {group: policy.mesh.io, kind: Server, name: http}
              requiredAuthenticationRefs:
                - {kind: ServiceAccount, name: web}
                - {group: policy.mesh.io, kind: NetworkAuthentication, name: missing}
            """);

        Assert.Empty(Assert.Single(d.Inbound["w"].Servers).Authorizations);
    }

    [Fact]
    public void Derive_Settings_TrustDomainAndDefaultPolicyApplied()
    {
        var settings = ReconcileSettings.Default with { TrustDomain = "example.org", DefaultPolicy = DefaultPolicyKind.AllAuthenticated };
        var d = Derive("""
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {selector: {app: web}, ports: [{port: 80}]}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: w, labels: {app: web}}
            spec: {serviceAccount: web, addresses: [127.0.0.1], proxy: {}}
            """, settings: settings);

        Assert.Equal("spiffe://example.org/ns/default/sa/web", Assert.Single(d.EndpointSets["web"].Endpoints).Identity);
        Assert.Equal(DefaultPolicyKind.AllAuthenticated, d.Inbound["w"].DefaultPolicy);
        Assert.Equal(settings.ClusterNetworks, d.Inbound["w"].ClusterNetworks);
    }

    [Fact]
    public void Derive_OtherNamespacesAndUnreadableJson_Ignored()
    {
        var stored = MeshReconcilerGoldenTests.Store("""
            apiVersion: v1
            kind: Service
            metadata: {name: a}
            spec: {ports: [{port: 80}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: b, namespace: other}
            spec: {ports: [{port: 80}]}
            """).Add(new StoredResource("Service", "default", "broken", "{not json", 1))
            .Add(new StoredResource("Gadget", "default", "g", "{}", 1));

        var d = MeshReconciler.Derive("default", stored, ReconcileSettings.Default);

        Assert.Equal(["a"], d.Services.Keys);
    }

    [Fact]
    public void Derive_Twice_ViewsEqualByViewEquality()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec: {selector: {app: web}, ports: [{port: 80}]}
            ---
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: w, labels: {app: web}}
            spec: {addresses: [127.0.0.1]}
            """;

        var a = Derive(yaml);
        var b = Derive(yaml);

        Assert.True(ViewEquality.Equal(a.EndpointSets["web"], b.EndpointSets["web"]));
        Assert.True(ViewEquality.Equal(a.Profiles["web"], b.Profiles["web"]));
        Assert.True(ViewEquality.Equal(a.Inbound["w"], b.Inbound["w"]));
        Assert.True(ViewEquality.Equal(a, b));
        Assert.False(ViewEquality.Equal(a, Derive(yaml.Replace("127.0.0.1", "127.0.0.2"))));
    }

    [Fact]
    public void Derive_InboundPorts_WorkloadAndServiceTargetPortsButNeverTheProxysOwn()
    {
        var d = Derive("""
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: w, labels: {app: web}}
            spec: {addresses: [127.0.0.1], ports: [{name: http, port: 8080}], proxy: {inboundPort: 4143, adminPort: 4191}}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web}
            spec:
              selector: {app: web}
              ports: [{name: a, port: 80, targetPort: http}, {name: b, port: 9090, targetPort: 9091}, {name: c, port: 7000}, {name: d, port: 4143}, {name: e, port: 81, targetPort: 4191}]
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: other}
            spec: {selector: {app: other}, ports: [{port: 5432}]}
            """);

        var declared = d.Inbound["w"].Ports.Values.Distinct().Order().ToArray();
        Assert.Equal([7000, 8080, 9091], declared);
        Assert.Equal(8080, d.Inbound["w"].Ports["http"]);
    }
}
