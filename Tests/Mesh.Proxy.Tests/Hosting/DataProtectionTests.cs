using Mesh.Proxy.Hosting;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mesh.Proxy.Tests.Hosting;

/// <summary>YARP brings DataProtection; the proxy must not load (and write) a key ring at start for it.</summary>
public sealed class DataProtectionTests
{
    [Fact]
    public void AddReverseProxy_RegistersDataProtectionsHostedService_UnderTheNameTheProxyRemoves()
    {
        var services = new ServiceCollection();
        services.AddReverseProxy();
        Assert.Contains(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == OutboundModule.DataProtectionHostedService);

        OutboundModule.WithoutDataProtectionAtStart(services);

        Assert.DoesNotContain(services, d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.FullName == OutboundModule.DataProtectionHostedService);
        Assert.Contains(services, d => d.ServiceType.FullName == "Microsoft.AspNetCore.DataProtection.IDataProtectionProvider");
    }

    [Fact]
    public async Task StartAsync_Proxy_RunsNoDataProtectionHostedService()
    {
        await using var discovery = await FakeDiscoveryServer.StartAsync();
        await using var proxy = await ProxyHost.StartAsync(MeshTopology.Settings(discovery, ""), output: null, configureServices: null, CancellationToken.None);

        var hosted = proxy.Services.GetServices<IHostedService>().Select(s => s.GetType().FullName ?? "").ToList();

        Assert.NotEmpty(hosted);
        Assert.DoesNotContain(hosted, n => n.StartsWith("Microsoft.AspNetCore.DataProtection", StringComparison.Ordinal));
    }
}
