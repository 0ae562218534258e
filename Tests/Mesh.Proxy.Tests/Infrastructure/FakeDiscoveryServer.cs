using System.Net;
using System.Threading.Channels;
using Grpc.Core;
using Mesh.Api.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>An in-process Discovery gRPC server implementing the real proto, driven by the test (snapshots then deltas).</summary>
public sealed class FakeDiscoveryServer : Api.V1.Discovery.DiscoveryBase, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, ServiceEntry> _services = new(StringComparer.Ordinal);
    private readonly Dictionary<string, InboundEntry> _inbound = new(StringComparer.Ordinal);
    private CancellationTokenSource _kill = new();
    private WebApplication? _app;
    private int _port;

    private IPAddress _bind = IPAddress.Loopback;

    /// <summary>When set, Identity.Certify issues leaves from it for requests carrying <see cref="Token"/>.</summary>
    private readonly Dictionary<string, string> _rejected = [];
    public Mesh.Identity.Ca.CertificateAuthority? Ca { get; set; }
    public string Token { get; set; } = "test-token";

    /// <summary>Every Telemetry.Report received.</summary>
    public System.Collections.Concurrent.ConcurrentQueue<StatsReport> Reports { get; } = new();

    public Uri Address => new($"http://{_bind}:{_port}");

    /// <summary>How many Watch calls were made per authority (to see sharing and reconnects).</summary>
    public int WatchCalls(string authority) { lock (_gate) return _services.TryGetValue(authority, out var e) ? e.Calls : 0; }

    public static async Task<FakeDiscoveryServer> StartAsync(IPAddress? bind = null)
    {
        var server = new FakeDiscoveryServer { _bind = bind ?? IPAddress.Loopback };
        await server.StartListeningAsync(0);
        return server;
    }

    private async Task StartListeningAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(_bind, port, lo => lo.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.AddSingleton<FakeIdentityService>();
        builder.Services.AddSingleton<FakeTelemetryService>();
        var app = builder.Build();
        app.MapGrpcService<FakeDiscoveryServer>();
        app.MapGrpcService<FakeIdentityService>();
        app.MapGrpcService<FakeTelemetryService>();
        await app.StartAsync();
        _app = app;
        _port = new Uri(app.Urls.First()).Port;
    }

    /// <summary>Stops serving (open streams end abruptly), as if the silo died.</summary>
    public async Task StopAsync()
    {
        await _kill.CancelAsync();
        if (_app is not null) { await _app.StopAsync(); await _app.DisposeAsync(); _app = null; }
    }

    /// <summary>Serves again on the same port.</summary>
    public async Task RestartAsync()
    {
        _kill = new CancellationTokenSource();
        await StartListeningAsync(_port);
    }

    /// <summary>Forgets every service and inbound policy (and their versions), as a silo restarted with memory storage
    /// does; call while stopped.</summary>
    public void Forget()
    {
        lock (_gate)
        {
            _services.Clear();
            _inbound.Clear();
        }
    }

    public void SetService(string authority, IEnumerable<Endpoint> endpoints, ServiceProfile? profile = null, string problem = "", long endpointsVersion = 0)
    {
        lock (_gate) Service(authority).EndpointsVersion = endpointsVersion;
        var snapshot = new ServiceSnapshot { Exists = true, Authority = authority, Name = authority.Split('.')[0], Namespace = "default", Port = 8080, Profile = profile ?? new ServiceProfile(), Problem = problem };
        snapshot.Endpoints.AddRange(endpoints);
        Publish(authority, e => { e.Snapshot = snapshot; return new ServiceUpdate { Snapshot = snapshot.Clone() }; });
    }

    public void Upsert(string authority, params Endpoint[] endpoints) => Publish(authority, e =>
    {
        foreach (var ep in endpoints)
        {
            var i = e.Snapshot.Endpoints.ToList().FindIndex(x => x.Key == ep.Key);
            if (i >= 0) e.Snapshot.Endpoints[i] = ep; else e.Snapshot.Endpoints.Add(ep);
        }
        var list = new EndpointList();
        list.Endpoints.AddRange(endpoints);
        return new ServiceUpdate { Upserted = list };
    });

    public void Remove(string authority, params string[] keys) => Publish(authority, e =>
    {
        foreach (var k in keys)
        {
            var i = e.Snapshot.Endpoints.ToList().FindIndex(x => x.Key == k);
            if (i >= 0) e.Snapshot.Endpoints.RemoveAt(i);
        }
        var removed = new EndpointKeys();
        removed.Keys.AddRange(keys);
        return new ServiceUpdate { Removed = removed };
    });

    /// <summary>Deletes the service, as the silo does when its Service resource goes.</summary>
    public void Delete(string authority) => Publish(authority, e =>
    {
        var reason = $"service {authority.Split('.')[0]}.default was deleted";
        e.Snapshot = new ServiceSnapshot { Exists = false };
        return new ServiceUpdate { Deleted = new NoService { Reason = reason } };
    });

    public void SetProfile(string authority, ServiceProfile profile) => Publish(authority, e =>
    {
        e.Snapshot.Profile = profile;
        return new ServiceUpdate { Profile = profile.Clone() };
    });

    public void SetInbound(string workload, InboundPolicy policy, long sourceVersion = 0)
    {
        lock (_gate)
        {
            var e = Inbound(workload);
            e.Version++;
            e.Policy = policy;
            e.SourceVersion = sourceVersion;
            foreach (var s in e.Subscribers) s.TryWrite(new InboundUpdate { Version = e.Version, Policy = policy.Clone(), SourceVersion = sourceVersion });
        }
    }

    private void Publish(string authority, Func<ServiceEntry, ServiceUpdate> change)
    {
        lock (_gate)
        {
            var e = Service(authority);
            var update = change(e);
            e.Version++;
            update.Version = e.Version;
            update.EndpointsVersion = e.EndpointsVersion;
            foreach (var s in e.Subscribers) s.TryWrite(update);
        }
    }

    /// <summary>Answers watches of <paramref name="authority"/> with InvalidArgument, as the silo does for names that are not
    /// service names (external hosts, addresses).</summary>
    public void Reject(string authority, string detail) { lock (_gate) _rejected[authority] = detail; }

    public override async Task Watch(WatchRequest request, IServerStreamWriter<ServiceUpdate> responseStream, ServerCallContext context)
    {
        lock (_gate)
            if (_rejected.TryGetValue(request.Authority, out var detail)) throw new RpcException(new Status(StatusCode.InvalidArgument, detail));
        var channel = Channel.CreateUnbounded<ServiceUpdate>();
        ServiceEntry entry;
        lock (_gate)
        {
            entry = Service(request.Authority);
            entry.Calls++;
            entry.Version++;
            channel.Writer.TryWrite(new ServiceUpdate { Version = entry.Version, Snapshot = entry.Snapshot.Clone(), EndpointsVersion = entry.EndpointsVersion });
            entry.Subscribers.Add(channel.Writer);
        }
        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _kill.Token);
            await foreach (var u in channel.Reader.ReadAllAsync(both.Token)) await responseStream.WriteAsync(u);
        }
        catch (OperationCanceledException) { }
        finally
        {
            lock (_gate) entry.Subscribers.Remove(channel.Writer);
        }
    }

    public override async Task WatchInbound(InboundWatchRequest request, IServerStreamWriter<InboundUpdate> responseStream, ServerCallContext context)
    {
        var channel = Channel.CreateUnbounded<InboundUpdate>();
        InboundEntry entry;
        lock (_gate)
        {
            entry = Inbound(request.Workload);
            entry.Version++;
            channel.Writer.TryWrite(new InboundUpdate { Version = entry.Version, Policy = entry.Policy.Clone(), SourceVersion = entry.SourceVersion });
            entry.Subscribers.Add(channel.Writer);
        }
        try
        {
            using var both = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _kill.Token);
            await foreach (var u in channel.Reader.ReadAllAsync(both.Token)) await responseStream.WriteAsync(u);
        }
        catch (OperationCanceledException) { }
        finally
        {
            lock (_gate) entry.Subscribers.Remove(channel.Writer);
        }
    }

    private ServiceEntry Service(string authority)
    {
        if (!_services.TryGetValue(authority, out var e))
            _services[authority] = e = new ServiceEntry { Snapshot = new ServiceSnapshot { Exists = false, Authority = authority } };
        return e;
    }

    private InboundEntry Inbound(string workload)
    {
        if (!_inbound.TryGetValue(workload, out var e))
            _inbound[workload] = e = new InboundEntry { Policy = new InboundPolicy { Exists = false } };
        return e;
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private sealed class ServiceEntry
    {
        public required ServiceSnapshot Snapshot { get; set; }
        public ulong Version { get; set; }
        public long EndpointsVersion { get; set; }
        public int Calls { get; set; }
        public List<ChannelWriter<ServiceUpdate>> Subscribers { get; } = [];
    }

    private sealed class InboundEntry
    {
        public required InboundPolicy Policy { get; set; }
        public ulong Version { get; set; }
        public long SourceVersion { get; set; }
        public List<ChannelWriter<InboundUpdate>> Subscribers { get; } = [];
    }
}
