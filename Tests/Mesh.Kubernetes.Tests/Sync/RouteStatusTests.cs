using System.Text.Json.Nodes;
using CsCheck;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Silo.Kubernetes.Sync;

namespace Mesh.Kubernetes.Tests.Sync;

/// <summary>The Gateway API route status the mesh computes (pure): one entry per Service parentRef with Accepted and
/// ResolvedRefs, other controllers' entries kept, transition times kept while nothing changes, any JSON survived.</summary>
public sealed class RouteStatusTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 1, 0, 0, TimeSpan.Zero);

    private static readonly Dictionary<(string, string), RouteStatus.ServicePorts> Services = new()
    {
        [("shop", "books")] = new(new HashSet<int> { 8080 }),
        [("shop", "books-v2")] = new(new HashSet<int> { 8080 }),
        [("web", "front")] = new(new HashSet<int> { 80 }),
    };

    private static JsonObject Route(string parents, string backends, string status = "{}", long generation = 3) => JsonNode.Parse($$"""
        {"metadata":{"name":"r","namespace":"shop","generation":{{generation}}},
         "spec":{"parentRefs":{{parents}},"rules":[{"backendRefs":{{backends}}}]},"status":{{status}}}
        """)!.AsObject();

    private static JsonObject Condition(JsonArray parents, int index, string type) =>
        parents[index]!["conditions"]!.AsArray().OfType<JsonObject>().Single(c => (string?)c["type"] == type);

    private static (string Status, string Reason, string Message) Of(JsonObject c) =>
        ((string)c["status"]!, (string)c["reason"]!, (string)c["message"]!);

    [Fact]
    public void Parents_ServiceParentAndBackendsExist_AcceptedAndResolved()
    {
        var route = Route("""[{"group":"","kind":"Service","name":"books","port":8080}]""", """[{"name":"books-v2","port":8080}]""");
        var parents = RouteStatus.Parents(route, [], Services, T0);
        var entry = Assert.Single(parents)!;
        Assert.Equal(RouteStatus.ControllerName, (string)entry["controllerName"]!);
        Assert.True(JsonNode.DeepEquals(route["spec"]!["parentRefs"]![0], entry["parentRef"]));
        Assert.Equal(("True", "Accepted", "the mesh routes this Service's traffic by this route"), Of(Condition(parents, 0, "Accepted")));
        Assert.Equal(("True", "ResolvedRefs", "every backendRef is a Service with that port"), Of(Condition(parents, 0, "ResolvedRefs")));
        Assert.Equal(3, (long)Condition(parents, 0, "Accepted")["observedGeneration"]!);
        Assert.Equal("2026-12-07T01:00:00Z", (string)Condition(parents, 0, "Accepted")["lastTransitionTime"]!);
    }

    [Theory]
    [InlineData("""[{"group":"","kind":"Service","name":"nope"}]""", "no Service nope in namespace shop")]
    [InlineData("""[{"group":"","kind":"Service","name":"books","port":9090}]""", "Service books.shop has no port 9090 (its ports: 8080)")]
    [InlineData("""[{"group":"","kind":"Service","name":"books","namespace":"web"}]""", "no Service books in namespace web")]
    public void Parents_ParentMissing_NotAcceptedNoMatchingParent(string parentRefs, string message)
    {
        var parents = RouteStatus.Parents(Route(parentRefs, """[{"name":"books","port":8080}]"""), [], Services, T0);
        Assert.Equal(("False", "NoMatchingParent", message), Of(Condition(parents, 0, "Accepted")));
    }

    [Fact]
    public void Parents_ConsumerRouteToAnotherNamespace_Accepted()
    {
        var parents = RouteStatus.Parents(Route("""[{"group":"","kind":"Service","name":"front","namespace":"web","port":80}]""",
            """[{"name":"front","namespace":"web","port":80}]"""), [], Services, T0);
        Assert.Equal("True", (string)Condition(parents, 0, "Accepted")["status"]!);
        Assert.Equal("True", (string)Condition(parents, 0, "ResolvedRefs")["status"]!);
    }

    [Theory]
    [InlineData("""[{"name":"gone","port":8080}]""", "BackendNotFound", "backendRef gone: no Service gone in namespace shop")]
    [InlineData("""[{"name":"books","port":81}]""", "BackendNotFound", "backendRef books: Service books.shop has no port 81 (its ports: 8080)")]
    [InlineData("""[{"group":"example.com","kind":"Bucket","name":"b"}]""", "InvalidKind", "backendRef b: kind Bucket (group example.com) is not a Service")]
    public void Parents_BackendUnresolved_ResolvedRefsFalse(string backends, string reason, string message)
    {
        var parents = RouteStatus.Parents(Route("""[{"group":"","kind":"Service","name":"books"}]""", backends), [], Services, T0);
        Assert.Equal("True", (string)Condition(parents, 0, "Accepted")["status"]!);
        Assert.Equal(("False", reason, message + "; requests routed to it fail with 503"), Of(Condition(parents, 0, "ResolvedRefs")));
    }

    [Fact]
    public void Parents_InvalidForTheMesh_NotAcceptedWithTheFieldPaths()
    {
        var parents = RouteStatus.Parents(Route("""[{"group":"","kind":"Service","name":"books"}]""", """[{"name":"books"}]"""),
            ["spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000"], Services, T0);
        Assert.Equal(("False", "UnsupportedValue", "the mesh rejected the route: spec.rules[0].backendRefs[0].weight: must be between 0 and 1000000"),
            Of(Condition(parents, 0, "Accepted")));
    }

    [Fact]
    public void Parents_GatewayParentsAndOtherControllers_LeftAlone()
    {
        var other = """{"parentRef":{"name":"edge"},"controllerName":"example.com/gateway","conditions":[{"type":"Accepted","status":"True"}]}""";
        var route = Route("""[{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"edge"},{"group":"gateway.networking.k8s.io","kind":"Gateway","name":"edge2"},{"group":"","kind":"Service","name":"books"}]""",
            """[{"name":"books"}]""", $$"""{"parents":[{{other}}]}""");
        var parents = RouteStatus.Parents(route, [], Services, T0);
        Assert.Equal(2, parents.Count);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(other), parents[0]));
        Assert.Equal("books", (string)parents[1]!["parentRef"]!["name"]!);
    }

    [Fact]
    public void Parents_SameParentTwice_OneEntry()
    {
        var parents = RouteStatus.Parents(Route("""[{"group":"","kind":"Service","name":"books"},{"group":"","kind":"Service","name":"books"}]""",
            """[{"name":"books"}]"""), [], Services, T0);
        Assert.Single(parents);
    }

    [Fact]
    public void Parents_NothingChanged_KeepsTransitionTimesAndIsSame()
    {
        var first = RouteStatus.Parents(Route("""[{"group":"","kind":"Service","name":"books"}]""", """[{"name":"gone"}]"""), [], Services, T0);
        var later = Route("""[{"group":"","kind":"Service","name":"books"}]""", """[{"name":"gone"}]""", new JsonObject { ["parents"] = first.DeepClone() }.ToJsonString());
        var again = RouteStatus.Parents(later, [], Services, T0.AddHours(1));
        Assert.True(JsonNode.DeepEquals(first, again));
        Assert.True(RouteStatus.Same(later["status"]!["parents"] as JsonArray, again));

        // The backend appears: ResolvedRefs flips (a new transition time), Accepted keeps its own.
        var withBackend = new Dictionary<(string, string), RouteStatus.ServicePorts>(Services) { [("shop", "gone")] = new(new HashSet<int>()) };
        var flipped = RouteStatus.Parents(later, [], withBackend, T0.AddHours(1));
        Assert.False(RouteStatus.Same(later["status"]!["parents"] as JsonArray, flipped));
        Assert.Equal("2026-12-07T01:00:00Z", (string)Condition(flipped, 0, "Accepted")["lastTransitionTime"]!);
        Assert.Equal("2026-12-07T02:00:00Z", (string)Condition(flipped, 0, "ResolvedRefs")["lastTransitionTime"]!);
        Assert.Equal("True", (string)Condition(flipped, 0, "ResolvedRefs")["status"]!);
    }

    [Fact]
    public void Parents_NewGeneration_NotSame()
    {
        var first = RouteStatus.Parents(Route("""[{"group":"","kind":"Service","name":"books"}]""", """[{"name":"books"}]"""), [], Services, T0);
        var next = Route("""[{"group":"","kind":"Service","name":"books"}]""", """[{"name":"books"}]""",
            new JsonObject { ["parents"] = first.DeepClone() }.ToJsonString(), generation: 4);
        Assert.False(RouteStatus.Same(next["status"]!["parents"] as JsonArray, RouteStatus.Parents(next, [], Services, T0)));
    }

    /// <summary>Whatever a route object holds (the API server keeps what no schema rejects), the status computation
    /// answers: wrong types count as absent.</summary>
    [Fact]
    public void Parents_AnyJsonInAnyField_NeverThrows()
    {
        var fields = Gen.Select(RandomJson.Node, RandomJson.Node, RandomJson.Node, RandomJson.Node, RandomJson.Node);
        fields.Sample((parents, backend, port, status, generation) =>
        {
            var route = new JsonObject
            {
                ["metadata"] = new JsonObject { ["namespace"] = "shop", ["generation"] = generation?.DeepClone() },
                ["spec"] = new JsonObject
                {
                    ["parentRefs"] = new JsonArray(parents?.DeepClone(), new JsonObject { ["name"] = "books", ["port"] = port?.DeepClone() }),
                    ["rules"] = new JsonArray(new JsonObject { ["backendRefs"] = new JsonArray(backend?.DeepClone(), new JsonObject { ["name"] = port?.DeepClone() }) }),
                },
                ["status"] = new JsonObject { ["parents"] = status?.DeepClone() },
            };
            var result = RouteStatus.Parents(route, [], Services, T0);
            RouteStatus.Same(route["status"]!["parents"] as JsonArray, result);
        }, iter: 2000);
    }
}
