using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.Cli.Tests.Fakes;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Fail closed, all real: a real silo with memory storage, a Server on books' port that admits only mesh
/// identities, books behind `mesh run`. The silo restarts (on the same ports and data directory) and forgets every
/// resource (--ephemeral); the sidecar reconnects and hears exists=false for its workload, or the workload that `mesh run`'s
/// lease puts back with the default policy under a new state incarnation, and a plaintext GET stays 403 either way.</summary>
[Trait("Category", "E2E")]
public sealed class InboundFailClosedEndToEndTests : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);
    private readonly TestCli _cli = new();
    private readonly int _adminPort = FreePort(), _controlPort = FreePort();
    private ChildProcess? _silo;

    public Task InitializeAsync() => StartSiloAsync();

    public async Task DisposeAsync()
    {
        if (_silo is not null) await _silo.DisposeAsync();
        _cli.Dispose();
    }

    private async Task StartSiloAsync()
    {
        var mesh = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "mesh.exe" : "mesh");
        _silo = ChildProcess.Start("silo", mesh,
            ["silo", "--admin-addr", $"127.0.0.1:{_adminPort}", "--control-addr", $"127.0.0.1:{_controlPort}", "--data-dir", _cli.DataDirectory, "--ephemeral"],
            new Dictionary<string, string?> { ["MESH_ADMIN_ADDR"] = null, ["MESH_CONTROL_ADDR"] = null, ["MESH_TOKEN"] = null, ["MESH_REDIS"] = null });
        await _silo.WaitForLineAsync(new Regex("mesh-silo: ready"), Deadline);
    }

    [Fact]
    public async Task SiloRestartedWithMemoryStorage_ProtectedPortStays403()
    {
        _cli.Stdin = """
            apiVersion: policy.mesh.io/v1alpha1
            kind: Server
            metadata: {name: books-http}
            spec: {podSelector: {matchLabels: {app: books}}, port: http, proxyProtocol: HTTP/1}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: MeshTLSAuthentication
            metadata: {name: any-mesh-identity}
            spec: {identities: ["*"]}
            ---
            apiVersion: policy.mesh.io/v1alpha1
            kind: AuthorizationPolicy
            metadata: {name: books-mesh-only}
            spec:
              targetRef: {group: policy.mesh.io, kind: Server, name: books-http}
              requiredAuthenticationRefs: [{group: policy.mesh.io, kind: MeshTLSAuthentication, name: any-mesh-identity}]
            """;
        var applied = await _cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());

        _cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        using var app = new TcpListener(IPAddress.Loopback, 0);
        app.Start();
        var appPort = ((IPEndPoint)app.LocalEndpoint).Port;
        _ = ServeAsync(app);
        int inbound = FreePort(), admin = FreePort();
        var books = _cli.Start("run", "books", "--port", Text(appPort), "--inbound-port", Text(inbound), "--admin-port", Text(admin));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await UntilAsync(() => Task.FromResult(books.Err.Contains("Ctrl-C stops it")), () => $"books' sidecar ready\n{books.Err}");
            // The policy reached the sidecar: a plaintext client (no mesh identity) is refused.
            await UntilAsync(async () => await StatusAsync(http, inbound) == HttpStatusCode.Forbidden, () => $"the Server to deny plaintext\n{books.Err}");

            await _silo!.DisposeAsync();
            _silo = null;
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, inbound));

            await StartSiloAsync();
            // The sidecar reconnects and learns that the silo no longer knows books (exists=false), and `mesh run`'s
            // lease registers books again (the default policy, no Server): fail-open code answers 200 from either.
            await UntilAsync(() => Task.FromResult(books.Err.Contains("registered it again")), () => $"mesh run to register books again\n{books.Err}");
            await UntilAsync(async () => (await http.GetStringAsync($"http://127.0.0.1:{admin}/metrics")).Contains(
                    "discovery_errors_total{kind=\"inbound\",reason=\"forgotten\"}") || await StatusAsync(http, inbound) != HttpStatusCode.Forbidden,
                () => $"the sidecar to hear the restarted silo\n{books.Err}");
            // The silo holds books again; the policy it derives now (the default, no Server) reaches the connected
            // sidecar in milliseconds. Watch the port for a while: it must stay closed throughout.
            var held = await _cli.RunAsync("get", "workloads");
            Assert.Contains("books", held.Out);
            for (var i = 0; i < 25; i++)
            {
                Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, inbound));
                await Task.Delay(200);
            }
            Assert.Equal(HttpStatusCode.Forbidden, await StatusAsync(http, inbound));
        }
        finally
        {
            await books.StopAsync();
        }
    }

    private static async Task<HttpStatusCode?> StatusAsync(HttpClient http, int inbound)
    {
        try { return (await http.GetAsync($"http://127.0.0.1:{inbound}/")).StatusCode; }
        catch (HttpRequestException) { return null; }
    }

    /// <summary>A minimal HTTP/1.1 app: "books" to every request, one per connection.</summary>
    private static async Task ServeAsync(TcpListener listener)
    {
        try
        {
            while (true)
            {
                var client = await listener.AcceptTcpClientAsync();
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        var stream = client.GetStream();
                        var buffer = new byte[4096];
                        try
                        {
                            var head = "";
                            int n;
                            while (!head.Contains("\r\n\r\n", StringComparison.Ordinal) && (n = await stream.ReadAsync(buffer)) > 0)
                                head += Encoding.ASCII.GetString(buffer, 0, n);
                            await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nbooks"u8.ToArray());
                        }
                        catch (IOException) { }
                    }
                });
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
    }
}
