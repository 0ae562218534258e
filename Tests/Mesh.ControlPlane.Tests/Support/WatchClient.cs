using Grpc.Core;
using Mesh.Api.V1;

namespace Mesh.ControlPlane.Tests.Support;

/// <summary>Test side of a Watch stream: reads updates in the background and folds them into the state a proxy holds.</summary>
internal sealed class WatchClient : IAsyncDisposable
{
    private readonly AsyncServerStreamingCall<ServiceUpdate> _call;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _reader;
    private readonly object _gate = new();

    public WatchClient(Api.V1.Discovery.DiscoveryClient client, string authority, string contextNamespace = "")
    {
        _call = client.Watch(new WatchRequest { Authority = authority, ContextNamespace = contextNamespace, ProxyId = "test" },
            cancellationToken: _cts.Token);
        _reader = Task.Run(ReadAsync);
    }

    public List<ServiceUpdate> Updates { get; } = [];
    public bool Exists { get; private set; }
    public Dictionary<string, Endpoint> Endpoints { get; } = [];
    public ServiceProfile? Profile { get; private set; }
    public Exception? Error { get; private set; }

    private async Task ReadAsync()
    {
        try
        {
            await foreach (var update in _call.ResponseStream.ReadAllAsync(_cts.Token))
                lock (_gate) Apply(update);
        }
        catch (Exception e) { Error = e; }
    }

    private void Apply(ServiceUpdate update)
    {
        Updates.Add(update);
        switch (update.KindCase)
        {
            case ServiceUpdate.KindOneofCase.Snapshot:
                Exists = update.Snapshot.Exists;
                Endpoints.Clear();
                foreach (var e in update.Snapshot.Endpoints) Endpoints[e.Key] = e;
                Profile = update.Snapshot.Profile;
                break;
            case ServiceUpdate.KindOneofCase.Upserted:
                foreach (var e in update.Upserted.Endpoints) Endpoints[e.Key] = e;
                break;
            case ServiceUpdate.KindOneofCase.Removed:
                foreach (var k in update.Removed.Keys) Endpoints.Remove(k);
                break;
            case ServiceUpdate.KindOneofCase.Profile:
                Profile = update.Profile;
                break;
            case ServiceUpdate.KindOneofCase.Deleted:
                Exists = false;
                Endpoints.Clear();
                Profile = null;
                break;
        }
    }

    public async Task WaitUntil(Func<WatchClient, bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (_gate) if (condition(this)) return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"watch: {what} not seen; updates: {string.Join(", ", Updates.Select(u => $"{u.Version}:{u.KindCase}"))}; error: {Error?.Message}");
            await Task.Delay(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        try { await _reader; } catch (OperationCanceledException) { }
        _call.Dispose();
        _cts.Dispose();
    }
}
