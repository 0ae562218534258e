using System.Net;

namespace Mesh.Proxy.Hosting;

/// <summary>A started proxy: its bound endpoints, readiness, and how to stop it (draining in-flight requests).</summary>
public sealed class RunningProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    internal RunningProxy(WebApplication app, IPEndPoint inbound, IPEndPoint outbound, IPEndPoint admin, Task ready)
    {
        _app = app;
        Inbound = inbound;
        Outbound = outbound;
        Admin = admin;
        Ready = ready;
        Completion = app.WaitForShutdownAsync();
    }

    public IPEndPoint Inbound { get; }
    public IPEndPoint Outbound { get; }
    public IPEndPoint Admin { get; }

    /// <summary>Completes when discovery (and identity, once configured) is up.</summary>
    public Task Ready { get; }

    /// <summary>Completes when the proxy has stopped (signal, POST /shutdown, or <see cref="StopAsync"/>).</summary>
    public Task Completion { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Stops accepting, lets in-flight requests finish (up to the drain timeout), then stops.</summary>
    public async Task StopAsync()
    {
        _app.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();
        await Completion;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _app.DisposeAsync();
    }
}
