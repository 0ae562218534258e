using System.Collections.Concurrent;
using System.Net;
using System.Threading.Channels;
using Grpc.Core;
using Mesh.Api.V1;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>A real gRPC Discovery server (Kestrel h2c on 127.0.0.1:0). Each watch gets the updates the test
/// publishes for its authority; an authority nothing was published for gets `exists=false`, as the silo answers.</summary>
internal sealed class FakeDiscovery : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeDiscovery(WebApplication app, Service service, Uri address)
    {
        _app = app;
        Service_ = service;
        Address = address;
    }

    private Service Service_ { get; }

    public Uri Address { get; }

    /// <summary>Requests of every watch opened so far.</summary>
    public ConcurrentQueue<WatchRequest> Watches => Service_.Watches;

    public static async Task<FakeDiscovery> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        var service = new Service();
        builder.Services.AddSingleton(service);
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<Service>();
        await app.StartAsync();
        return new FakeDiscovery(app, service, new Uri(app.Urls.Single()));
    }

    /// <summary>Queues an update for the current and next watch of <paramref name="authority"/>.</summary>
    public void Publish(string authority, ServiceUpdate update) => Service_.Stream(authority).Writer.TryWrite(update);

    /// <summary>Ends the open watches of <paramref name="authority"/> (as a silo does with a slow watcher); later
    /// watches read updates published from now on.</summary>
    public void EndWatches(string authority) => Service_.End(authority);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    internal sealed class Service : Discovery.DiscoveryBase
    {
        private readonly ConcurrentDictionary<string, Channel<ServiceUpdate>> _streams = new();

        public ConcurrentQueue<WatchRequest> Watches { get; } = new();

        public Channel<ServiceUpdate> Stream(string authority) => _streams.GetOrAdd(authority, _ => Channel.CreateUnbounded<ServiceUpdate>());

        public void End(string authority)
        {
            if (_streams.TryRemove(authority, out var ended))
                ended.Writer.TryComplete();
            Stream(authority);
        }

        public override async Task Watch(WatchRequest request, IServerStreamWriter<ServiceUpdate> responseStream, ServerCallContext context)
        {
            Watches.Enqueue(request);
            if (!_streams.ContainsKey(request.Authority))
                await responseStream.WriteAsync(new ServiceUpdate { Version = 1, Snapshot = new ServiceSnapshot { Exists = false, Authority = request.Authority } });
            var reader = Stream(request.Authority).Reader;
            try
            {
                await foreach (var update in reader.ReadAllAsync(context.CancellationToken))
                    await responseStream.WriteAsync(update);
            }
            catch (OperationCanceledException)
            {
                // The client went away.
            }
        }
    }
}
