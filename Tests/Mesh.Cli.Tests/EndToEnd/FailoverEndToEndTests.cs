using System.Net;
using Mesh.Cli.Tests.Fakes;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Route backend failover, all real: a real silo, python's stock http.server behind `mesh run` for `books` and
/// `books-west` (each serving a file that names it), a client sidecar, and one HTTPRoute on `books` whose backends are
/// `books` and `books-west`. While `books` has a ready endpoint it gets the traffic its weight says; when its only
/// workload stops, every request goes to `books-west`; when it comes back, traffic returns.</summary>
[Trait("Category", "E2E")]
public sealed class FailoverEndToEndTests : RealSiloTestBase
{
    [Theory]
    [InlineData(0)]   // a standby: never gets traffic while books has endpoints
    [InlineData(1)]   // an even split that fails over both ways
    public async Task RouteBackends_PrimaryLosesItsEndpoints_TrafficFailsOverAndReturns(int westWeight)
    {
        Cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        var fromClient = FreePort();
        Cli.Stdin = """
            apiVersion: v1
            kind: Service
            metadata: {name: books, namespace: default}
            spec: {selector: {app: books}, ports: [{name: http, port: 8080, targetPort: http}]}
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: books-west, namespace: default}
            spec: {selector: {app: books-west}, ports: [{name: http, port: 8080, targetPort: http}]}
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata: {name: books-failover, namespace: default}
            spec:
              parentRefs: [{group: "", kind: Service, name: books, port: 8080}]
              rules:
                - backendRefs:
                    - {name: books, port: 8080, weight: 1}
            """ + $$"""

                    - {name: books-west, port: 8080, weight: {{westWeight}}}
            """;
        var applied = await Cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());

        var west = StartApp("books-west");
        var books = StartApp("books");
        var client = Cli.Start("run", "client", "--port", Text(FreePort()), "--outbound-port", Text(fromClient));
        try
        {
            await UntilAsync(() => Task.FromResult(new[] { west, books, client }.All(p => p.Err.Contains("Ctrl-C stops it"))),
                () => $"three sidecars ready\n{west.Err}\n{books.Err}\n{client.Err}");

            // Both up: books always answers; with weight 1 books-west too (seen once the proxy has its endpoints).
            var seen = new HashSet<string>();
            string? last = null;
            await UntilAsync(async () => { seen.Add(last = await WhoAsync(fromClient)); return seen.Contains("books") && (westWeight == 0 || seen.Contains("books-west")); },
                () => $"books{(westWeight == 0 ? "" : " and books-west")} answering; seen {string.Join(",", seen)}, last: {last}");
            if (westWeight == 0)
                for (var i = 0; i < 20; i++) Assert.Equal("books", await WhoAsync(fromClient));

            // books loses its only endpoint: every request goes to books-west, none into the void.
            await books.StopAsync();
            await UntilAsync(async () => (last = await WhoAsync(fromClient)) == "books-west", () => $"failover to books-west; last: {last}");
            await UntilSettledAsync(fromClient, "books-west");

            // books comes back: it gets traffic again (all of it when books-west is the standby).
            books = StartApp("books");
            await UntilAsync(() => Task.FromResult(books.Err.Contains("Ctrl-C stops it")), () => $"books restarted\n{books.Err}");
            await UntilAsync(async () => (last = await WhoAsync(fromClient)) == "books", () => $"traffic back on books; last: {last}");
            if (westWeight == 0) await UntilSettledAsync(fromClient, "books");
        }
        finally
        {
            await client.StopAsync();
            await books.StopAsync();
            await west.StopAsync();
        }
    }

    /// <summary>`mesh run NAME` of python's http.server in a directory whose file `who` says NAME.</summary>
    private RunningCli StartApp(string name)
    {
        var port = FreePort();
        var root = Path.GetDirectoryName(Cli.WriteFile($"{name}-root/who", name))!;
        return Cli.Start(["run", name, "--port", Text(port), "--", "python3", "-m", "http.server", Text(port), "--bind", "127.0.0.1", "--directory", root]);
    }

    /// <summary>Polls until <paramref name="expected"/> answers 20 requests in a row (requests that race the proxy's
    /// update may go either way; a 503 or the other backend starts the count again), then requires 20 more: once the
    /// proxy knows, no request may go elsewhere.</summary>
    private static async Task UntilSettledAsync(int outbound, string expected)
    {
        var run = 0;
        string? last = null;
        await UntilAsync(async () => { run = (last = await WhoAsync(outbound)) == expected ? run + 1 : 0; return run >= 20; },
            () => $"20 answers in a row from {expected}; last: {last}");
        for (var i = 0; i < 20; i++) Assert.Equal(expected, await WhoAsync(outbound));
    }

    private static async Task<string> WhoAsync(int outbound)
    {
        using var http = new HttpClient(new SocketsHttpHandler { Proxy = new WebProxy($"http://127.0.0.1:{Text(outbound)}"), UseProxy = true })
        { Timeout = TimeSpan.FromSeconds(10) };
        try
        {
            var r = await http.GetAsync("http://books.default:8080/who");
            var body = await r.Content.ReadAsStringAsync();
            return r.StatusCode == HttpStatusCode.OK ? body : $"status {(int)r.StatusCode}: {body}";
        }
        catch (HttpRequestException e) { return e.Message; }
        catch (TaskCanceledException) { return "timeout"; }
    }
}
