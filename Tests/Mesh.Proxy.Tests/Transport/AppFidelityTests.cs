using System.Collections.Concurrent;
using System.Net;
using System.Text.RegularExpressions;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>A meshed app never sees more failures than the same app unmeshed: python's stock `http.server` (HTTP/1.0,
/// one connection per request, listen backlog 5; and with `--protocol HTTP/1.1`, keep-alive) behind two real sidecars
/// (child processes), at 1, 32 and 128 concurrent clients over HTTP/1.1 and 32 streams over HTTP/2 through the client's
/// outbound port, compared with the same load straight to the app.</summary>
[Trait("Category", "E2E")]
public sealed partial class AppFidelityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Authority = "books.default:8080";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mesh-fidelity");
    private FakeDiscoveryServer _discovery = null!;

    public async Task InitializeAsync()
    {
        _discovery = await FakeDiscoveryServer.StartAsync();
        await File.WriteAllTextAsync(Path.Combine(_root.FullName, "index.html"), "hello from python\n");
    }

    public async Task DisposeAsync()
    {
        await _discovery.DisposeAsync();
        _root.Delete(recursive: true);
    }

    [Theory]
    [InlineData("HTTP/1.0")]
    [InlineData("HTTP/1.1")]
    public async Task StockPythonServer_BehindTwoSidecars_FailsNoMoreThanDirect(string protocol)
    {
        using var app = new ChildProcess("/usr/bin/python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", _root.FullName,
            "--protocol", protocol);
        await app.WaitForLineAsync("Serving HTTP on", TimeSpan.FromSeconds(20));
        var appPort = int.Parse(PortLine().Match(app.Output).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);

        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        policy.Ports["http"] = (uint)appPort;
        _discovery.SetInbound("books", policy);
        _discovery.SetInbound("client", new InboundPolicy { Exists = true });
        using var books = StartSidecar("books");
        using var client = StartSidecar("client");
        await books.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));
        _discovery.SetService(Authority,
        [
            new Api.V1.Endpoint
            {
                Key = $"127.0.0.1:{appPort}", Address = "127.0.0.1", Port = (uint)appPort, Weight = 1, Ready = true,
                Identity = "spiffe://cluster.local/ns/default/sa/books", ProxyPort = (uint)books.ListenerAddress("inbound").Port,
                ProtocolHint = ProtocolHint.H2, Workload = "books",
            },
        ]);
        await client.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));
        var outbound = client.ListenerAddress("outbound");

        // A client that talks to an HTTP/1.0 server opens a connection per request (curl, ab, a browser); keep-alive for 1.1.
        var direct = new Uri($"http://127.0.0.1:{appPort}/index.html");
        var meshed = new Uri($"http://{outbound}/index.html");
        // Past 32 clients the app itself is the limit: 128 connects at once overflow its backlog of 5, the kernel drops SYNs
        // and direct clients too wait out retransmits (1 s, 3 s, 7 s) and time out. There a timeout is the app's (and which
        // of the two runs gets more of them is chance); an answer the proxy made (a 5xx, a mesh-error) never is.
        var failures = new List<string>();
        Outcome? unmeshed = null;
        foreach (var (clients, each, http2) in new[] { (1, 20, false), (32, 8, false), (32, 8, true), (128, 1, false) })
        {
            // Up to 32 clients a request's bound outlasts the kernel's SYN retransmits (1 + 2 + 4 + 8 s): on two loaded
            // cores python's accept loop falls behind its backlog of 5 and a dropped SYN makes an answer slow, not a failure
            // of either run (a 10 s bound made 2 of 256 meshed requests time out at load 20 while the direct ones did not).
            var bound = TimeSpan.FromSeconds(clients > 32 ? 5 : 30);
            if (!http2) unmeshed = await LoadAsync(direct, null, clients, each, http2: false, pooled: protocol == "HTTP/1.1", bound);
            var viaMesh = await LoadAsync(meshed, Authority, clients, each, http2, pooled: true, bound);
            var line = $"{protocol} app, {clients} clients × {each} ({(http2 ? "HTTP/2" : "HTTP/1.1")} to the outbound): direct {unmeshed}, meshed {viaMesh}";
            output.WriteLine(line);
            var appLimited = clients > 32;
            if (viaMesh.ProxyMade > 0 || viaMesh.Answered5xx > 0 || viaMesh.Failed - viaMesh.TimedOut > unmeshed!.Value.Failed ||
                (!appLimited && viaMesh.Failed > unmeshed.Value.Failed)) failures.Add(line);
        }
        Assert.True(failures.Count == 0, "the mesh failed requests the app serves directly:\n" + string.Join('\n', failures));
    }

    private ChildProcess StartSidecar(string workload) => new(ChildProcess.ProxyBin, "sidecar", "--workload", workload,
        "--inbound-addr", "127.0.0.1:0", "--outbound-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--control-addr", _discovery.Address.ToString());

    /// <summary><paramref name="clients"/> concurrent loops of <paramref name="each"/> GETs, each bounded by <paramref name="bound"/>.</summary>
    private static async Task<Outcome> LoadAsync(Uri uri, string? host, int clients, int each, bool http2, bool pooled, TimeSpan bound)
    {
        using var handler = new SocketsHttpHandler { UseProxy = false, PooledConnectionLifetime = pooled ? Timeout.InfiniteTimeSpan : TimeSpan.Zero };
        using var http = new HttpMessageInvoker(handler);
        int ok = 0, failed = 0, proxyMade = 0, answered5xx = 0, timedOut = 0;
        var reasons = new ConcurrentDictionary<string, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, clients), new ParallelOptions { MaxDegreeOfParallelism = clients }, async (_, _) =>
        {
            for (var i = 0; i < each; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, uri);
                if (host is not null) request.Headers.Host = host;
                if (http2)
                {
                    request.Version = HttpVersion.Version20;
                    request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
                }
                using var timeout = new CancellationTokenSource(bound);
                try
                {
                    using var response = await http.SendAsync(request, timeout.Token);
                    var body = await response.Content.ReadAsStringAsync(timeout.Token);
                    if (response.StatusCode == HttpStatusCode.OK && body == "hello from python\n")
                    {
                        Interlocked.Increment(ref ok);
                        continue;
                    }
                    Interlocked.Increment(ref failed);
                    if (response.Headers.Contains("mesh-error")) Interlocked.Increment(ref proxyMade);
                    if ((int)response.StatusCode >= 500) Interlocked.Increment(ref answered5xx);
                    reasons.AddOrUpdate($"{(int)response.StatusCode} {body.Trim()}", 1, (_, n) => n + 1);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    Interlocked.Increment(ref failed);
                    if (e is OperationCanceledException) Interlocked.Increment(ref timedOut);
                    reasons.AddOrUpdate(e.GetBaseException().Message, 1, (_, n) => n + 1);
                }
            }
        });
        return new Outcome(ok, failed, proxyMade, answered5xx, timedOut, string.Join("; ", reasons.Select(r => $"{r.Value} × {r.Key}")));
    }

    private readonly record struct Outcome(int Ok, int Failed, int ProxyMade, int Answered5xx, int TimedOut, string Reasons)
    {
        public override string ToString() => $"{Ok} ok / {Failed} failed ({ProxyMade} by the proxy){(Reasons.Length > 0 ? ": " + Reasons : "")}";
    }

    [GeneratedRegex(@"Serving HTTP on \S+ port (\d+)")]
    private static partial Regex PortLine();
}
