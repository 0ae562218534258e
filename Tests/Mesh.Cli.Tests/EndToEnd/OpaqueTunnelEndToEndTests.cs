using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Cli.Tests.Fakes;

using static Mesh.Cli.Tests.EndToEnd.EndToEndSupport;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Opaque TCP in local mode, all real: a real silo, a Service marked opaque (appProtocol tcp) applied as YAML,
/// a raw TCP echo app and a client sidecar started with `mesh run`, certificates from the silo's Certify, and a
/// `CONNECT` on the client's outbound port that reaches the echo app over mesh mTLS with the transport header.</summary>
[Trait("Category", "E2E")]
public sealed class OpaqueTunnelEndToEndTests : RealSiloTestBase
{

    [Fact]
    public async Task Connect_ThroughLocalSidecars_ReachesAnOpaqueServiceOverMtls()
    {
        Cli.Stdin = """
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {selector: {app: db}, ports: [{name: tcp, port: 5432, targetPort: http, appProtocol: tcp}]}
            """;
        var applied = await Cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());

        var dbAdmin = FreePort();
        await TunnelAsync("db", ["--admin-port", Text(dbAdmin)], _ => "db.default:5432", "ping over mtls", async () =>
        {
            // The db sidecar took the tunnel by its transport header, over post-quantum mesh TLS.
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{dbAdmin}/metrics");
            Assert.Contains("tcp_opaque_connections_total{direction=\"inbound\",reason=\"transport-header\"}", metrics);
            Assert.Contains("tls_info{group=\"X25519MLKEM768\"", metrics);
        });
    }

    [Fact]
    public async Task RunTcp_CreatesAnOpaqueService_ThatConnectReaches()
    {
        await TunnelAsync("cache", ["--tcp"], port => $"cache.default:{port}", "PING", async () =>
        {
            var service = await Cli.RunAsync("get", "service", "cache", "-o", "json");
            Assert.Contains("\"appProtocol\": \"tcp\"", service.Out);
        });
    }

    /// <summary>A raw TCP echo app run as `mesh run NAME --port ECHO <paramref name="runArgs"/>` and a client app's sidecar;
    /// once both are ready, CONNECTs to <paramref name="authority"/>(echo port) through the client's outbound port until
    /// <paramref name="payload"/> comes back (discovery may still be settling the new workloads), waits for the tunnel to
    /// close end to end, then runs <paramref name="check"/> while both still run.</summary>
    private async Task TunnelAsync(string name, string[] runArgs, Func<int, string> authority, string payload, Func<Task> check)
    {
        Cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var serving = EchoAsync(echo);
        var server = Cli.Start(["run", name, "--port", Text(echoPort), .. runArgs]);
        var clientOutbound = FreePort();
        var client = Cli.Start("run", "client", "--port", Text(FreePort()), "--outbound-port", Text(clientOutbound));
        try
        {
            await UntilAsync(() => server.Err.Contains("Ctrl-C stops it") && client.Err.Contains("Ctrl-C stops it"), $"both sidecars ready\n{server.Err}\n{client.Err}");
            const string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
            var reply = "";
            await UntilAsync(async () => (reply = await ConnectAsync(clientOutbound, $"CONNECT {authority(echoPort)} HTTP/1.1\r\n\r\n{payload}", established.Length + payload.Length))
                .StartsWith(established + payload, StringComparison.Ordinal), () => $"the tunnel; last reply: {reply}\n{server.Err}\n{client.Err}");
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
            await check();
        }
        finally
        {
            await client.StopAsync();
            await server.StopAsync();
        }
    }

    /// <summary>A raw TCP app (like a database): echoes every connection until its client ends it. The task completes
    /// when the first connection has ended (the tunnel closed end to end); accepting goes on until the listener stops.</summary>
    private static Task EchoAsync(TcpListener listener)
    {
        var firstEnded = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = Task.Run(async () =>
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
                            var buffer = new byte[1024];
                            try
                            {
                                int n;
                                while ((n = await stream.ReadAsync(buffer)) > 0) await stream.WriteAsync(buffer.AsMemory(0, n));
                            }
                            catch (IOException) { }
                        }
                        firstEnded.TrySetResult();
                    });
                }
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
        return firstEnded.Task;
    }

    private static async Task<string> ConnectAsync(int port, string request, int expect)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            while (received.Length < expect)
            {
                var n = await socket.ReceiveAsync(buffer, cts.Token);
                if (n == 0) break;
                received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            }
        }
        catch (OperationCanceledException) { }
        return received.ToString();
    }
}
