using System.Net;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>GAMMA in local mode, all real: a real silo, python's stock http.server behind `mesh run` in namespace prod,
/// client sidecars in prod and in cons, routes applied as YAML. MeshConsumerRoute: the consumer route of cons applies
/// to requests from cons only and wins there; everyone else gets the producer's. MeshBasic's own-address case: a
/// request to the workload's address through a sidecar reaches it meshed, with the caller's identity.</summary>
[Trait("Category", "E2E")]
public sealed class GammaEndToEndTests : RealSiloTestBase
{

    [Fact]
    public async Task ConsumerRouteAndOwnAddress_ThroughRealSidecars()
    {
        Cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        var echoPort = FreePort();
        var echoAdmin = FreePort();
        var fromCons = FreePort();
        var fromProd = FreePort();
        var echo = Cli.Start(["run", "echo", "-n", "prod", "--port", Text(echoPort), "--admin-port", Text(echoAdmin), "--",
            "python3", "-m", "http.server", Text(echoPort), "--bind", "127.0.0.1"]);
        var consClient = Cli.Start("run", "client", "-n", "cons", "--port", Text(FreePort()), "--outbound-port", Text(fromCons));
        var prodClient = Cli.Start("run", "client", "-n", "prod", "--port", Text(FreePort()), "--outbound-port", Text(fromProd));
        try
        {
            await UntilAsync(() => Task.FromResult(new[] { echo, consClient, prodClient }.All(p => p.Err.Contains("Ctrl-C stops it"))),
                () => $"three sidecars ready\n{echo.Err}\n{consClient.Err}\n{prodClient.Err}");
            Cli.Stdin = $"""
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {"{"}name: producer, namespace: prod{"}"}
                spec:
                  parentRefs: [{"{"}group: "", kind: Service, name: echo{"}"}]
                  rules:
                    - filters: [{"{"}type: ResponseHeaderModifier, responseHeaderModifier: {"{"}set: [{"{"}name: x-route, value: producer{"}"}]{"}"}{"}"}]
                ---
                apiVersion: gateway.networking.k8s.io/v1
                kind: HTTPRoute
                metadata: {"{"}name: mesh-echo-add-header, namespace: cons{"}"}
                spec:
                  parentRefs: [{"{"}group: "", kind: Service, name: echo, namespace: prod{"}"}]
                  rules:
                    - filters: [{"{"}type: ResponseHeaderModifier, responseHeaderModifier: {"{"}set: [{"{"}name: x-route, value: consumer{"}"}]{"}"}{"}"}]
                      backendRefs: [{"{"}name: echo, namespace: prod, port: {echoPort}{"}"}]
                """;
            var applied = await Cli.RunAsync("apply", "-f", "-");
            Assert.True(applied.ExitCode == 0, applied.ToString());

            var service = $"http://echo.prod:{Text(echoPort)}/";
            string? seen = null;
            await UntilAsync(async () => (seen = await RouteHeaderAsync(fromCons, service)) == "consumer", () => $"the consumer route from cons; last: {seen}");
            await UntilAsync(async () => (seen = await RouteHeaderAsync(fromProd, service)) == "producer", () => $"the producer route from prod; last: {seen}");
            // Settled: every further request keeps to its namespace's route.
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal("consumer", await RouteHeaderAsync(fromCons, service));
                Assert.Equal("producer", await RouteHeaderAsync(fromProd, service));
            }

            var described = await Cli.RunAsync("describe", "service", "echo", "-n", "prod");
            Assert.True(described.ExitCode == 0, described.ToString());
            Assert.Contains("Consumer routes: from cons: 1", described.Out);
            Assert.Contains("prod/producer/rule-0", described.Out);

            // The workload's own address through a sidecar: meshed (the echo sidecar's inbound sees cons' identity).
            using (var http = Client(fromCons))
            {
                var own = await http.GetAsync($"http://127.0.0.1:{Text(echoPort)}/");
                Assert.True(own.StatusCode == HttpStatusCode.OK, await own.Content.ReadAsStringAsync());
            }
            using var admin = new HttpClient();
            var metrics = await admin.GetStringAsync($"http://127.0.0.1:{Text(echoAdmin)}/metrics");
            Assert.Contains("client_id=\"client.cons.serviceaccount.identity.mesh.cluster.local\"", metrics);
        }
        finally
        {
            await prodClient.StopAsync();
            await consClient.StopAsync();
            await echo.StopAsync();
        }
    }

    private static HttpClient Client(int outbound) =>
        new(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{Text(outbound)}"), UseProxy = true }) { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task<string?> RouteHeaderAsync(int outbound, string url)
    {
        using var http = Client(outbound);
        try
        {
            var r = await http.GetAsync(url);
            return r.StatusCode == HttpStatusCode.OK && r.Headers.TryGetValues("x-route", out var v) ? string.Join(",", v)
                : $"status {(int)r.StatusCode}: {await r.Content.ReadAsStringAsync()}";
        }
        catch (HttpRequestException e) { return e.Message; }
        catch (TaskCanceledException) { return "timeout"; }
    }
}
