namespace Mesh.Cli.Tests.Fakes;

/// <summary>Fresh fakes per test (xunit makes one instance per test): admin API, Discovery, and a CLI pointed at both.</summary>
public abstract class FakeSiloTestBase : IAsyncLifetime
{
    internal FakeAdminApi Admin { get; private set; } = null!;

    internal FakeDiscovery Discovery { get; private set; } = null!;

    internal TestCli Cli { get; } = new();

    public async Task InitializeAsync()
    {
        Admin = await FakeAdminApi.StartAsync();
        Discovery = await FakeDiscovery.StartAsync();
        Cli.UseSilo(Admin, Discovery);
    }

    public async Task DisposeAsync()
    {
        await Admin.DisposeAsync();
        await Discovery.DisposeAsync();
        Cli.Dispose();
    }

    /// <summary>An address nothing listens on: bind port 0, note the port, close.</summary>
    internal static string ClosedAddress()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"127.0.0.1:{port}";
    }
}
