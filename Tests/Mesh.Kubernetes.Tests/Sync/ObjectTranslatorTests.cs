using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Silo.Kubernetes.Sync;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>Kubernetes objects as the API server serves them (uid, resourceVersion, managedFields, status, defaults)
/// become exactly the resource `mesh apply` stores for the equivalent YAML, for every synced kind.</summary>
public sealed class ObjectTranslatorTests
{
    private const string Meta = """
        "uid":"6a7f3c1e-1111-2222-3333-444455556666","resourceVersion":"4711","generation":3,"creationTimestamp":"2026-01-02T03:04:05Z",
        "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{}}]
        """;

    /// <summary>(case, the object from the API server, the YAML a user would `mesh apply` for it).</summary>
    public static TheoryData<string, string, string> Cases => new()
    {
        {
            "service", """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"books","namespace":"shop",META,
              "labels":{"app":"books"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},
             "spec":{"selector":{"app":"books"},"type":"NodePort","clusterIP":"10.96.0.12","clusterIPs":["10.96.0.12"],"sessionAffinity":"None",
               "ipFamilies":["IPv4"],"internalTrafficPolicy":"Cluster",
               "ports":[{"name":"http","port":8080,"targetPort":"http","protocol":"TCP","nodePort":30080},{"name":"grpc","port":9090,"targetPort":9090,"protocol":"TCP","appProtocol":"kubernetes.io/h2c"}]},
             "status":{"loadBalancer":{}}}
            """, """
            apiVersion: v1
            kind: Service
            metadata: {name: books, namespace: shop, labels: {app: books}, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec:
              selector: {app: books}
              type: NodePort
              clusterIP: 10.96.0.12
              clusterIPs: [10.96.0.12]
              ports:
              - {name: http, port: 8080, targetPort: http}
              - {name: grpc, port: 9090, appProtocol: kubernetes.io/h2c}
            """
        },
        {
            "pod-ready-meshed", """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"books-7d9f-abcde","namespace":"shop",META,
               "labels":{"app":"books","topology.kubernetes.io/zone":"eu-1a"}},
             "spec":{"serviceAccountName":"books","nodeName":"node-1",
               "initContainers":[{"name":"mesh-init","image":"mesh-proxy"},{"name":"mesh-proxy","image":"mesh-proxy","restartPolicy":"Always","ports":[{"containerPort":4143},{"containerPort":4191}]}],
               "containers":[{"name":"app","image":"books","ports":[{"name":"http","containerPort":8080,"protocol":"TCP"},{"containerPort":9090}]}]},
             "status":{"phase":"Running","podIP":"10.1.2.3","podIPs":[{"ip":"10.1.2.3"}],
               "conditions":[{"type":"Initialized","status":"True"},{"type":"Ready","status":"True"}]}}
            """, """
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: books-7d9f-abcde, namespace: shop, labels: {app: books, topology.kubernetes.io/zone: eu-1a}, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec:
              serviceAccount: books
              addresses: [10.1.2.3]
              ports: [{name: http, port: 8080}, {port: 9090}]
              proxy: {}
              zone: eu-1a
            status: {ready: true}
            """
        },
        {
            "pod-not-ready", """
            {"apiVersion":"v1","kind":"Pod","metadata":{"name":"authors-1","namespace":"shop",META},
             "spec":{"containers":[{"name":"app","image":"authors"}]},
             "status":{"phase":"Running","podIP":"10.1.2.4","conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady"}]}}
            """, """
            apiVersion: mesh.io/v1alpha1
            kind: Workload
            metadata: {name: authors-1, namespace: shop, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec: {addresses: [10.1.2.4]}
            status: {ready: false}
            """
        },
        {
            // What the EndpointSlice controller writes: generateName, ownerReferences, hints, a targetRef with uid and
            // resourceVersion, an empty port name for an unnamed Service port, conditions the way it sets them.
            "endpointslice", """
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"books-x7k2p","generateName":"books-","namespace":"shop",META,
               "labels":{"kubernetes.io/service-name":"books","endpointslice.kubernetes.io/managed-by":"endpointslice-controller.k8s.io"},
               "ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"books","uid":"1","controller":true,"blockOwnerDeletion":true}]},
             "addressType":"IPv4",
             "endpoints":[
               {"addresses":["10.1.2.3"],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"node-1","zone":"eu-1a",
                "targetRef":{"kind":"Pod","namespace":"shop","name":"books-7d9f-abcde","uid":"2","resourceVersion":"99"},
                "hints":{"forZones":[{"name":"eu-1a"}]}},
               {"addresses":["10.1.2.4"],"conditions":{"ready":false,"serving":false,"terminating":true},
                "targetRef":{"kind":"Pod","namespace":"shop","name":"books-7d9f-fghij","uid":"3"}, "deprecatedTopology":{"x":"y"}}],
             "ports":[{"name":"","port":8080,"protocol":"TCP","appProtocol":"http"}]}
            """, """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: books-x7k2p
              namespace: shop
              labels: {kubernetes.io/service-name: books, endpointslice.kubernetes.io/managed-by: endpointslice-controller.k8s.io}
              creationTimestamp: "2026-01-02T03:04:05Z"
            addressType: IPv4
            endpoints:
            - addresses: [10.1.2.3]
              conditions: {ready: true, serving: true, terminating: false}
              nodeName: node-1
              zone: eu-1a
              targetRef: {kind: Pod, namespace: shop, name: books-7d9f-abcde}
            - addresses: [10.1.2.4]
              conditions: {ready: false, serving: false, terminating: true}
              targetRef: {kind: Pod, namespace: shop, name: books-7d9f-fghij}
            ports:
            - {port: 8080, appProtocol: http}
            """
        },
        {
            "httproute", """
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"HTTPRoute","metadata":{"name":"books-split","namespace":"shop",META},
             "spec":{"parentRefs":[{"group":"","kind":"Service","name":"books","port":8080}],
               "rules":[{"matches":[{"path":{"type":"PathPrefix","value":"/"}}],
                 "backendRefs":[{"group":"","kind":"Service","name":"books-v1","port":8080,"weight":90},{"group":"","kind":"Service","name":"books-v2","port":8080,"weight":10}]}]},
             "status":{"parents":[{"parentRef":{"name":"books"},"controllerName":"mesh.io/sync","conditions":[]}]}}
            """, """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books-split, namespace: shop, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, port: 8080}]
              rules:
              - matches: [{path: {type: PathPrefix, value: /}}]
                backendRefs:
                - {group: "", kind: Service, name: books-v1, port: 8080, weight: 90}
                - {group: "", kind: Service, name: books-v2, port: 8080, weight: 10}
            """
        },
        {
            "grpcroute", """
            {"apiVersion":"gateway.networking.k8s.io/v1","kind":"GRPCRoute","metadata":{"name":"search","namespace":"shop",META},
             "spec":{"parentRefs":[{"group":"","kind":"Service","name":"search","port":9090}],
               "rules":[{"matches":[{"method":{"type":"Exact","service":"search.Search","method":"Find"}}],"backendRefs":[{"name":"search-v2","port":9090}]}]}}
            """, """
            apiVersion: gateway.networking.k8s.io/v1
            kind: GRPCRoute
            metadata: {name: search, namespace: shop, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec:
              parentRefs: [{group: "", kind: Service, name: search, port: 9090}]
              rules:
              - matches: [{method: {type: Exact, service: search.Search, method: Find}}]
                backendRefs: [{name: search-v2, port: 9090}]
            """
        },
        {
            "server", """
            {"apiVersion":"policy.mesh.io/v1alpha1","kind":"Server","metadata":{"name":"books-http","namespace":"shop",META},
             "spec":{"podSelector":{"matchLabels":{"app":"books"}},"port":"http"}}
            """, """
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: books-http, namespace: shop, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec: {podSelector: {matchLabels: {app: books}}, port: http}
            """
        },
        {
            "federationpeer", """
            {"apiVersion":"multicluster.mesh.io/v1alpha1","kind":"FederationPeer","metadata":{"name":"east-mesh-silo","namespace":"mesh",META},
             "spec":{"identity":"spiffe://east.mesh/ns/mesh/sa/silo"}}
            """, """
            apiVersion: multicluster.mesh.io/v1alpha1
            kind: FederationPeer
            metadata: {name: east-mesh-silo, namespace: mesh, creationTimestamp: "2026-01-02T03:04:05Z"}
            spec: {identity: "spiffe://east.mesh/ns/mesh/sa/silo"}
            """
        },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Translate_ApiServerObject_StoresWhatMeshApplyStores(string name, string kubernetes, string apply)
    {
        var obj = JsonNode.Parse(kubernetes.Replace("META", Meta))!.AsObject();
        var kind = SyncKinds.All.Single(k => k.Kind == obj["kind"]!.GetValue<string>());
        var translated = kind.Translate!(obj);
        var upsert = Assert.IsType<Translation.Upsert>(translated);
        var parsed = ResourceParser.Parse(apply);
        Assert.True(parsed.Ok, name + ": " + string.Join("; ", parsed.Errors));
        var expected = parsed.Resources.Single();
        Assert.Equal((expected.Kind, expected.Namespace, expected.Name), (upsert.Resource.Kind, upsert.Resource.Namespace, upsert.Resource.Name));
        Assert.Equal(expected.CanonicalJson, upsert.Resource.Json);
        Assert.Equal(ResourceSources.Kubernetes, upsert.Resource.Source);
    }

    [Theory]
    [InlineData("""{"phase":"Pending"}""", "no IP")]
    [InlineData("""{"phase":"Succeeded","podIP":"10.1.2.3"}""", "succeeded")]
    [InlineData("""{"phase":"Failed","podIP":"10.1.2.3"}""", "failed")]
    public void Pod_WithoutIpOrFinished_IsNoWorkload(string status, string reason)
    {
        var pod = JsonNode.Parse("""{"metadata":{"name":"p","namespace":"default"},"spec":{"containers":[]},"status":STATUS}""".Replace("STATUS", status))!.AsObject();
        var absent = Assert.IsType<Translation.Absent>(ObjectTranslator.Pod(pod));
        Assert.Contains(reason, absent.Reason);
    }

    [Fact]
    public void Pod_Terminating_IsNotReady()
    {
        var pod = JsonNode.Parse("""
            {"metadata":{"name":"p","namespace":"default","deletionTimestamp":"2026-01-01T00:00:00Z"},"spec":{},
             "status":{"phase":"Running","podIP":"10.0.0.9","conditions":[{"type":"Ready","status":"True"}]}}
            """)!.AsObject();
        var upsert = Assert.IsType<Translation.Upsert>(ObjectTranslator.Pod(pod));
        Assert.False(JsonNode.Parse(upsert.Resource.Json)!["status"]!["ready"]!.GetValue<bool>());
    }

    [Fact]
    public void CustomResource_Invalid_ErrorsNameTheFieldPath()
    {
        var kind = SyncKinds.All.Single(k => k.Kind == "AuthorizationPolicy");
        var obj = JsonNode.Parse("""
            {"apiVersion":"policy.mesh.io/v1alpha1","kind":"AuthorizationPolicy","metadata":{"name":"bad","namespace":"shop"},
             "spec":{"targetRef":{"group":"policy.mesh.io","kind":"Server","name":"s"},"requiredAuthenticationRefs":[{"kind":"Nonsense","name":"x"}],"bogus":1}}
            """)!.AsObject();
        var invalid = Assert.IsType<Translation.Invalid>(kind.Translate!(obj));
        Assert.Contains(invalid.Errors, e => e.StartsWith("spec.bogus", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("mesh", """{"identity":"east-silo"}""", "spec.identity: \"east-silo\" is not a mesh identity")]
    [InlineData("mesh", """{"identity":"spiffe://east.mesh/*"}""", "spec.identity:")]
    [InlineData("mesh", """{}""", "spec.identity:")]
    [InlineData("mesh", """{"identity":"spiffe://east.mesh/ns/mesh/sa/silo","trust":"all"}""", "spec.trust:")]
    [InlineData("shop", """{"identity":"spiffe://east.mesh/ns/mesh/sa/silo"}""", "metadata.namespace: a FederationPeer lives in the control plane's namespace")]
    public void FederationPeer_Invalid_ErrorsNameTheFieldPath(string ns, string spec, string error)
    {
        var kind = SyncKinds.All.Single(k => k.Kind == "FederationPeer");
        var obj = JsonNode.Parse($$"""
            {"apiVersion":"multicluster.mesh.io/v1alpha1","kind":"FederationPeer","metadata":{"name":"east","namespace":"{{ns}}"},"spec":{{spec}}}
            """)!.AsObject();
        var invalid = Assert.IsType<Translation.Invalid>(kind.Translate!(obj));
        Assert.Contains(invalid.Errors, e => e.StartsWith(error, StringComparison.Ordinal));
    }

    [Fact]
    public void EndpointSlice_Invalid_ErrorsNameTheFieldPath()
    {
        var obj = JsonNode.Parse("""
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"books-1","namespace":"shop"},
             "addressType":"IPv4","endpoints":[{"addresses":["fd00::1"]},{"addresses":[]}],"ports":[{"name":"Http","port":0}]}
            """)!.AsObject();
        var invalid = Assert.IsType<Translation.Invalid>(ObjectTranslator.EndpointSlice(obj));
        Assert.Contains(invalid.Errors, e => e.StartsWith("endpoints[1].addresses: must have at least one item", StringComparison.Ordinal));
        Assert.Contains(invalid.Errors, e => e.StartsWith("ports[0].name:", StringComparison.Ordinal));
        Assert.Contains(invalid.Errors, e => e.StartsWith("ports[0].port: must be 1..65535", StringComparison.Ordinal));
    }

    [Fact]
    public void EndpointSlice_AddressOfTheOtherFamily_ErrorNamesTheAddress()
    {
        var obj = JsonNode.Parse("""
            {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"books-1","namespace":"shop"},
             "addressType":"IPv4","endpoints":[{"addresses":["10.0.0.1"]},{"addresses":["fd00::1"]}]}
            """)!.AsObject();
        var invalid = Assert.IsType<Translation.Invalid>(ObjectTranslator.EndpointSlice(obj));
        Assert.Equal("endpoints[1].addresses[0]: \"fd00::1\" is an IPv6 address; this slice's addressType is IPv4", Assert.Single(invalid.Errors));
    }

    [Fact]
    public void Service_ExternalName_IsNoMeshService() =>
        Assert.IsType<Translation.Absent>(ObjectTranslator.Service(JsonNode.Parse(
            """{"metadata":{"name":"ext","namespace":"default"},"spec":{"type":"ExternalName","externalName":"example.com"}}""")!.AsObject()));

    [Fact]
    public void Kinds_EveryMeshKindButWorkloadIsSyncedUnderItsOwnApiVersion()
    {
        foreach (var kind in ResourceKinds.All.Where(k => k != ResourceKinds.Workload))
            Assert.Contains(SyncKinds.All, s => s.MeshKind == kind.Kind && s.ApiVersion == kind.ApiVersion && s.Kind == kind.Kind);
        Assert.Contains(SyncKinds.All, s => s.Kind == "Pod" && s.MeshKind == ResourceKinds.Workload.Kind);
    }

    [Theory]
    [InlineData("app.kubernetes.io/managed-by", "Service")]
    [InlineData("endpointslice.kubernetes.io/managed-by", "EndpointSlice")]
    public void MirrorObject_WrittenByTheMesh_IsIgnored_NotReadBackAsKubernetes(string label, string kind)
    {
        var obj = JsonNode.Parse($$$"""
            {"metadata":{"name":"books-west","namespace":"shop","labels":{"{{{label}}}":"mirror.mesh.io","kubernetes.io/service-name":"books-west"}},
             "spec":{"ports":[{"port":8080}]},"addressType":"IPv4","endpoints":[],"ports":[{"name":"http","port":4143}]}
            """)!.AsObject();
        Translation Translate(JsonObject o) => kind == "Service" ? ObjectTranslator.Service(o) : ObjectTranslator.EndpointSlice(o);

        Assert.IsType<Translation.Ignored>(Translate(obj));
        // Another manager's value (the EndpointSlice controller's, a user's) is synced as usual.
        obj["metadata"]!["labels"]![label] = "endpointslice-controller.k8s.io";
        Assert.IsType<Translation.Upsert>(Translate(obj));
    }
}
