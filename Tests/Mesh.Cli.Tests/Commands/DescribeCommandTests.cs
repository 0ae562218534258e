using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

public sealed class DescribeCommandTests : FakeSiloTestBase
{
    private static readonly string Answer = """
        {"resource":RESOURCE,
         "service":{"version":3,"value":{"namespace":"default","name":"books","ports":[{"name":"http","port":8080,"targetPort":"7001","appProtocol":"http","opaque":false}],"selector":{"app":"books"}}},
         "endpoints":{"version":5,"value":{"namespace":"default","service":"books","endpoints":[
            {"workload":"books-1","address":"127.0.0.11","ports":{"http":7001},"identity":"spiffe://cluster.local/ns/default/sa/books","proxyInboundPort":4143,"zone":"zone-a","weight":1,"ready":true,"labels":{"app":"books"}},
            {"workload":"books-2","address":"127.0.0.12","ports":{"http":7001},"identity":null,"proxyInboundPort":null,"zone":null,"weight":3,"ready":false,"labels":{"app":"books"}}]}},
         "profile":{"version":2,"value":{"namespace":"default","service":"books","routes":[
            {"name":"default/books-split/rule-0","kind":0,"port":8080,
             "matches":[{"path":{"kind":1,"value":"/api"},"headers":[{"name":"x-canary","value":{"kind":"exact","value":"1"}}],"queryParams":[],"method":"GET"}],
             "filters":[],
             "backends":[{"namespace":"default","name":"books-v1","port":8080,"weight":90,"filters":[]},{"namespace":"default","name":"books-v2","port":8080,"weight":10,"filters":[]}]}],
            "retry":{"conditions":["5xx"],"limit":2,"perTryTimeout":"00:00:00.5000000"},"timeouts":{"request":"00:00:10","backendRequest":"00:01:30","idle":null},
            "failureAccrual":{"consecutiveFailures":7,"minBackoff":"00:00:01","maxBackoff":"00:01:00","jitter":0.5},"opaquePorts":[]}}}
        """.Replace("RESOURCE", Samples.BooksService);

    [Fact]
    public async Task DescribeService_PrintsSpecEndpointsRoutesAndVersions()
    {
        Admin.Respond("GET", "/api/v1/services/default/books", 200, Answer);

        var result = await Cli.RunAsync("describe", "service", "books");

        Assert.Equal(0, result.ExitCode);
        var text = result.Out;
        Assert.Contains("Name:            books", text);
        Assert.Contains("Selector:        app=books", text);
        Assert.Contains("Ports:           http 8080 -> 7001 (http)", text);
        Assert.Contains("Versions:        service 3, endpoints 5, profile 2", text);
        Assert.Contains("Endpoints:       2", text);
        Assert.Matches(@"127\.0\.0\.11:7001\s+books-1\s+spiffe://cluster\.local/ns/default/sa/books\s+true\s+zone-a\s+1", text);
        Assert.Matches(@"127\.0\.0\.12:7001\s+books-2\s+\(unmeshed\)\s+false\s+-\s+3", text);
        Assert.Matches(@"default/books-split/rule-0\s+8080\s+GET PathPrefix /api header x-canary=1\s+books-v1\.default:8080 \(weight 90, 90%\), books-v2\.default:8080 \(weight 10, 10%\)", text);
        Assert.Contains("Retry:           on 5xx, limit 2, per try 500ms", text);
        Assert.Contains("Timeouts:        request 10s, backendRequest 1m30s", text);
        Assert.Contains("Failure accrual: 7 consecutive failures, backoff 1s to 1m, jitter 0.5", text);
        Assert.DoesNotContain("00:0", text);
    }

    [Fact]
    public async Task DescribeService_NoEndpointsOrRoutes_SaysWhy()
    {
        Admin.Respond("GET", "/api/v1/services/shop/empty", 200, """
            {"resource":RESOURCE,"service":{"version":1,"value":{}},"endpoints":{"version":0,"value":{"endpoints":[]}},"profile":{"version":0,"value":{"routes":[]}}}
            """.Replace("RESOURCE", Samples.BooksService));

        var result = await Cli.RunAsync("describe", "svc", "empty", "-n", "shop");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Endpoints:       none (no Workload matches the selector)", result.Out);
        Assert.Contains("Routes:          none", result.Out);
    }

    [Fact]
    public async Task DescribeService_ConsumerRoutes_ListedWithTheirNamespace()
    {
        Admin.Respond("GET", "/api/v1/services/prod/echo", 200, """
            {"resource":RESOURCE,"service":{"version":1,"value":{}},"endpoints":{"version":0,"value":{"endpoints":[]}},"profile":{"version":0,"value":{"routes":[]}},
             "consumerRoutes":[{"namespace":"cons","version":1,"routes":[
               {"name":"cons/mesh-echo-add-header/rule-0","kind":0,"port":0,"matches":[],"filters":[],
                "backends":[{"namespace":"prod","name":"echo","port":80,"weight":1,"filters":[]}]}]}]}
            """.Replace("RESOURCE", Samples.BooksService));

        var result = await Cli.RunAsync("describe", "svc", "echo", "-n", "prod");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Routes:          none of its own", result.Out);
        Assert.Contains("Consumer routes: from cons: 1", result.Out);
        Assert.Matches(@"cons\s+cons/mesh-echo-add-header/rule-0\s+\*\s+.*echo\.prod:80", result.Out);
    }

    [Fact]
    public async Task DescribeService_Json_WritesTheSilosAnswer()
    {
        Admin.Respond("GET", "/api/v1/services/default/books", 200, Answer);

        var result = await Cli.RunAsync("describe", "service", "books", "-o", "json");

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(Answer), JsonNode.Parse(result.Out)));
    }

    [Fact]
    public async Task DescribeService_NotFound_Exits1()
    {
        var result = await Cli.RunAsync("describe", "service", "ghost");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: service/ghost not found in namespace default", result.Err);
    }

    [Fact]
    public async Task Describe_UnknownKind_Exits1WithUsage()
    {
        var result = await Cli.RunAsync("describe", "gizmo", "x");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("Usage:", result.Err);
        Assert.Empty(Admin.Requests);
    }
}
