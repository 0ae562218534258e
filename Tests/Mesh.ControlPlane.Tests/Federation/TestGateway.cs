using System.Net;
using Mesh.Identity.Ca;
using Mesh.Identity.Credentials;
using Mesh.Identity.Kestrel;
using Mesh.Identity.Tls;
using Mesh.Names;
using Mesh.Silo.Hosting;
using Mesh.Silo.Identity;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Federation;

/// <summary>West's gateway data port as the probe meets it: a real Kestrel listener on 127.0.0.1 with real mesh mTLS
/// (client certificate required), presenting a certificate west's CA issues for <c>identity</c>, answering
/// <c>GET /ready</c> for the probe authority as mesh-proxy's gateway does (Tests/Mesh.Proxy.Tests GatewayProbeTests
/// cover the proxy's own answer). It can be stopped and started again on the same port, and can hold probes
/// unanswered.</summary>
internal sealed class TestGateway : IAsyncDisposable
{
    private readonly MeshCredentialsHolder _credentials;
    private WebApplication? _app;
    private TaskCompletionSource _released = Released();
    private int _answered;

    private TestGateway(MeshCredentialsHolder credentials) => _credentials = credentials;

    public int Port { get; private set; }

    /// <summary>Probe requests that reached HTTP (a failed handshake never gets here).</summary>
    public int Requests => Volatile.Read(ref _answered);

    public static async Task<TestGateway> StartAsync(SiloHost west, string identity)
    {
        var id = SpiffeId.Parse(identity);
        var ca = west.Services.GetRequiredService<SiloCertificateAuthority>().Authority;
        using var csr = CsrBuilder.Create(id);
        var issued = ca.IssueLeafOrThrow(csr.Der, id);
        var key = System.Security.Cryptography.ECDsa.Create(csr.Key.ExportParameters(includePrivateParameters: true));
        var gateway = new TestGateway(new MeshCredentialsHolder(MeshCredentials.Create(key, issued.Leaf, issued.Intermediates, ca.TrustBundle)));
        await gateway.StartAgainAsync();
        return gateway;
    }

    /// <summary>Starts listening (again, on the port of the first start).</summary>
    public async Task StartAgainAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, Port, lo =>
        {
            lo.Protocols = HttpProtocols.Http2;
            lo.UseMeshTls(new MeshTlsServerOptions { Credentials = _credentials, ClientCertificateMode = ClientCertificateMode.Required });
        }));
        var app = builder.Build();
        app.MapGet(MulticlusterNames.DefaultProbePath, async (HttpContext context) =>
        {
            Interlocked.Increment(ref _answered);
            if (context.Request.Host.Host != MulticlusterNames.GatewayProbeAuthority) return Results.NotFound();
            await _released.Task.WaitAsync(context.RequestAborted);
            return Results.Text("ready\n");
        });
        await app.StartAsync();
        _app = app;
        Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single()).Port;
    }

    /// <summary>The gateway goes away: the port refuses connections.</summary>
    public async Task StopAsync()
    {
        if (_app is null) return;
        _released.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    /// <summary>Probes are accepted but get no answer until <see cref="Release"/>.</summary>
    public void Hold() => _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _released.TrySetResult();

    private static TaskCompletionSource Released()
    {
        var released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        released.SetResult();
        return released;
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
