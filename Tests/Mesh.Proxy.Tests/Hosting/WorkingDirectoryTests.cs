using System.Net;
using System.Net.Sockets;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Hosting;

/// <summary>The proxy process started in an application's folder (as `mesh run` does) ignores that application's
/// appsettings.json: its configuration is its flags and MESH_PROXY_* variables only.</summary>
[Trait("Category", "E2E")]
public sealed class WorkingDirectoryTests : IAsyncLifetime
{
    private readonly DirectoryInfo _appDir = Directory.CreateTempSubdirectory("mesh-app");
    private FakeDiscoveryServer _discovery = null!;

    public async Task InitializeAsync()
    {
        _discovery = await FakeDiscoveryServer.StartAsync();
        _discovery.SetInbound("web", new Api.V1.InboundPolicy { Exists = true });
    }

    public async Task DisposeAsync()
    {
        await _discovery.DisposeAsync();
        _appDir.Delete(recursive: true);
    }

    [Fact]
    public async Task StartedInAnAppFolder_DoesNotOpenTheAppsKestrelEndpoints()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var appPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        await File.WriteAllTextAsync(Path.Combine(_appDir.FullName, "appsettings.json"),
            $$"""{ "Kestrel": { "Endpoints": { "App": { "Url": "http://127.0.0.1:{{appPort}}" } } }, "Logging": { "LogLevel": { "Default": "Trace" } } }""");

        using var proxy = new ChildProcess("/usr/bin/env", "-C", _appDir.FullName, ChildProcess.ProxyBin, "sidecar", "--workload", "web",
            "--inbound-addr", "127.0.0.1:0", "--outbound-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--control-addr", _discovery.Address.ToString());
        await proxy.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));

        using var client = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await Assert.ThrowsAsync<SocketException>(async () => await client.ConnectAsync(IPAddress.Loopback, appPort));
        // Nor did the app's Trace logging level reach the proxy (it logs at warning unless told otherwise).
        Assert.DoesNotContain("trce:", proxy.Output);
        Assert.DoesNotContain("dbug:", proxy.Output);
    }
}
