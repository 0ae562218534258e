using System.Net;
using System.Net.Sockets;
using System.Text;
using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Opaque TCP in local mode, all real: a real silo, a Service marked opaque (appProtocol tcp) applied as YAML,
/// a raw TCP echo app and a client sidecar started with `mesh run`, certificates from the silo's Certify, and a
/// `CONNECT` on the client's outbound port that reaches the echo app over mesh mTLS with the transport header.</summary>
[Trait("Category", "E2E")]
public sealed class OpaqueTunnelEndToEndTests : RealSiloTestBase
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Connect_ThroughLocalSidecars_ReachesAnOpaqueServiceOverMtls()
    {
        Cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var serving = EchoAsync(echo);

        Cli.Stdin = """
            apiVersion: v1
            kind: Service
            metadata: {name: db}
            spec: {selector: {app: db}, ports: [{name: tcp, port: 5432, targetPort: http, appProtocol: tcp}]}
            """;
        var applied = await Cli.RunAsync("apply", "-f", "-");
        Assert.True(applied.ExitCode == 0, applied.ToString());

        var dbAdmin = FreePort();
        var db = Cli.Start("run", "db", "--port", echoPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--admin-port", dbAdmin.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var clientOutbound = FreePort();
        var client = Cli.Start("run", "client", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--outbound-port", clientOutbound.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await UntilAsync(() => db.Err.Contains("Ctrl-C stops it") && client.Err.Contains("Ctrl-C stops it"), $"both sidecars ready\n{db.Err}\n{client.Err}");

            // Discovery may still be settling the new workload: retry the whole CONNECT until it succeeds.
            const string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
            var reply = "";
            await UntilAsync(async () => (reply = await ConnectAsync(clientOutbound, "CONNECT db.default:5432 HTTP/1.1\r\n\r\nping over mtls", established.Length + 14))
                .StartsWith(established + "ping over mtls", StringComparison.Ordinal), () => $"the tunnel; last reply: {reply}\n{db.Err}\n{client.Err}");
            await serving.WaitAsync(TimeSpan.FromSeconds(10));

            // The db sidecar took the tunnel by its transport header, over post-quantum mesh TLS.
            using var http = new HttpClient();
            var metrics = await http.GetStringAsync($"http://127.0.0.1:{dbAdmin}/metrics");
            Assert.Contains("tcp_opaque_connections_total{direction=\"inbound\",reason=\"transport-header\"}", metrics);
            Assert.Contains("tls_info{group=\"X25519MLKEM768\"", metrics);
        }
        finally
        {
            await client.StopAsync();
            await db.StopAsync();
        }
    }

    [Fact]
    public async Task RunTcp_CreatesAnOpaqueService_ThatConnectReaches()
    {
        Cli.Environment["MESH_PROXY_BIN"] = BuiltProxy.Path();
        using var echo = new TcpListener(IPAddress.Loopback, 0);
        echo.Start();
        var echoPort = ((IPEndPoint)echo.LocalEndpoint).Port;
        var serving = EchoAsync(echo);
        var port = echoPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var db = Cli.Start("run", "cache", "--port", port, "--tcp");
        var clientOutbound = FreePort();
        var client = Cli.Start("run", "client", "--port", FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--outbound-port", clientOutbound.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            await UntilAsync(() => db.Err.Contains("Ctrl-C stops it") && client.Err.Contains("Ctrl-C stops it"), $"both sidecars ready\n{db.Err}\n{client.Err}");
            var service = await Cli.RunAsync("get", "service", "cache", "-o", "json");
            Assert.Contains("\"appProtocol\": \"tcp\"", service.Out);

            const string established = "HTTP/1.1 200 Connection Established\r\n\r\n";
            var reply = "";
            await UntilAsync(async () => (reply = await ConnectAsync(clientOutbound, $"CONNECT cache.default:{port} HTTP/1.1\r\n\r\nPING", established.Length + 4))
                .StartsWith(established + "PING", StringComparison.Ordinal), () => $"the tunnel; last reply: {reply}\n{db.Err}\n{client.Err}");
            await serving.WaitAsync(TimeSpan.FromSeconds(10));
        }
        finally
        {
            await client.StopAsync();
            await db.StopAsync();
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

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    private static Task UntilAsync(Func<bool> condition, string what) => UntilAsync(() => Task.FromResult(condition()), () => what);

    private static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what()}");
            await Task.Delay(200);
        }
    }
}
