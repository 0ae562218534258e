using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Mesh.Proxy.Tests.Infrastructure;
using Authorization = Mesh.Api.V1.Authorization;

namespace Mesh.Proxy.Tests.Inbound;

/// <summary>Fail closed: once the control plane gave books' sidecar a policy that requires an identity, losing the control
/// plane, an exists=false, or a fresh control plane that never heard of books never opens the port.</summary>
[Trait("Category", "E2E")]
public sealed class InboundPolicyWatchTests : IAsyncLifetime
{
    private FakeDiscoveryServer _discovery = null!;
    private TestApp _books = null!;
    private RunningProxy _sidecar = null!;

    public async Task InitializeAsync()
    {
        _discovery = await FakeDiscoveryServer.StartAsync();
        _books = await TestApp.StartAsync("books");
        _discovery.SetInbound("books", Protected(_books.HttpPort));
        // As `mesh run` starts it: the app port from --app-addr ip:port, the default policy all-unauthenticated.
        _sidecar = await ProxyHost.StartAsync(MeshTopology.Settings(_discovery, "books") with { AppPort = _books.HttpPort });
        await _sidecar.Ready.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(HttpStatusCode.Forbidden, await PlaintextGetAsync());
    }

    public async Task DisposeAsync()
    {
        await _sidecar.DisposeAsync();
        await _discovery.DisposeAsync();
        await _books.DisposeAsync();
    }

    /// <summary>A Server on the app port that admits only authenticated peers; the default policy would admit anyone.</summary>
    private static InboundPolicy Protected(int port)
    {
        var policy = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        policy.Ports["http"] = (uint)port;
        var server = new InboundServer { Name = "default/books-http", Port = (uint)port, ProxyProtocol = "HTTP/1" };
        server.Authorizations.Add(new Authorization { Name = "default/mtls-only", RequireIdentity = true });
        policy.Servers.Add(server);
        return policy;
    }

    private async Task<HttpStatusCode> PlaintextGetAsync()
    {
        using var http = new HttpClient();
        return (await http.GetAsync($"http://{_sidecar.Inbound}/")).StatusCode;
    }

    /// <summary>Waits until the sidecar's watch has received at least <paramref name="count"/> inbound updates.</summary>
    private Task WaitForInboundUpdatesAsync(int count)
    {
        var watch = _sidecar.Services.GetRequiredService<InboundPolicySource>().Watch!;
        return Poll.UntilAsync(() => watch.Updates >= count, TimeSpan.FromSeconds(15), $"the sidecar to receive inbound update #{count}");
    }

    [Fact]
    public async Task ExistsFalse_AfterAPolicy_KeepsEnforcingTheLastPolicy()
    {
        _discovery.SetInbound("books", new InboundPolicy { Exists = false });
        await WaitForInboundUpdatesAsync(2);
        Assert.Equal(HttpStatusCode.Forbidden, await PlaintextGetAsync());
        Assert.Equal(0, _books.Hits);
        Assert.Contains("discovery_errors_total{kind=\"inbound\",reason=\"forgotten\"} 1", await _sidecar.MetricsAsync());

        // Not frozen: a newer policy for the registered workload applies, looser or not.
        var open = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated };
        open.Ports["http"] = (uint)_books.HttpPort;
        _discovery.SetInbound("books", open);
        await Poll.UntilAsync(async () => await PlaintextGetAsync() == HttpStatusCode.OK, TimeSpan.FromSeconds(5), "the newer policy to apply");
    }

    [Fact]
    public async Task ControlPlaneLost_ThenAFreshOneThatDoesNotKnowTheWorkload_KeepsEnforcingTheLastPolicy()
    {
        await _discovery.StopAsync();
        var watch = _sidecar.Services.GetRequiredService<InboundPolicySource>().Watch!;
        await Poll.UntilAsync(() => !watch.Connected, TimeSpan.FromSeconds(15), "the sidecar to notice the lost control plane");
        Assert.Equal(HttpStatusCode.Forbidden, await PlaintextGetAsync());

        _discovery.Forget();
        await _discovery.RestartAsync();
        await WaitForInboundUpdatesAsync(2);
        Assert.Equal(HttpStatusCode.Forbidden, await PlaintextGetAsync());
        Assert.Equal(0, _books.Hits);
    }

    /// <summary>A silo that lost its state and got the workload back (a `mesh run` lease re-applied it, its Servers
    /// gone) derives the default policy under a new state incarnation: the proxy keeps what it enforced; a change within
    /// the incarnation it enforces still applies.</summary>
    [Fact]
    public async Task PolicyOfAnotherStateIncarnation_LooserDefault_KeepsEnforcingTheLastPolicy()
    {
        var enforced = Protected(_books.HttpPort);
        enforced.StateIncarnation = "first";
        _discovery.SetInbound("books", enforced);
        await WaitForInboundUpdatesAsync(2);

        var open = new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllUnauthenticated, StateIncarnation = "second" };
        open.Ports["http"] = (uint)_books.HttpPort;
        _discovery.SetInbound("books", open);
        await WaitForInboundUpdatesAsync(3);
        Assert.Equal(HttpStatusCode.Forbidden, await PlaintextGetAsync());
        Assert.Equal(0, _books.Hits);
        Assert.Contains("discovery_errors_total{kind=\"inbound\",reason=\"forgotten\"} 1", await _sidecar.MetricsAsync());

        open.StateIncarnation = "first";
        _discovery.SetInbound("books", open);
        await Poll.UntilAsync(async () => await PlaintextGetAsync() == HttpStatusCode.OK, TimeSpan.FromSeconds(5), "a change of the enforced incarnation to apply");
    }
}
