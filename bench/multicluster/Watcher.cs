using System.Diagnostics;
using Grpc.Core;
using Mesh.Api.V1;

namespace Mesh.Bench.Multicluster;

/// <summary>One discovery Watch stream, as a proxy opens it: keeps the endpoint keys the stream says the service has
/// (snapshot, upserted, removed, deleted) and records when the count first reached the value armed with
/// <see cref="Expect"/>.</summary>
internal sealed class Watcher : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly HashSet<string> _endpoints = [];
    private readonly object _lock = new();
    private bool _snapshot;
    private int _expected = -1;
    private long? _reached;

    public Watcher(Discovery.DiscoveryClient client, string authority)
    {
        var call = client.Watch(new WatchRequest { Authority = authority, ProxyId = "bench" }, cancellationToken: _cts.Token);
        _ = Task.Run(async () =>
        {
            try
            {
                await foreach (var u in call.ResponseStream.ReadAllAsync(_cts.Token))
                {
                    var now = Stopwatch.GetTimestamp();
                    lock (_lock)
                    {
                        switch (u.KindCase)
                        {
                            case ServiceUpdate.KindOneofCase.Snapshot:
                                _endpoints.Clear();
                                foreach (var e in u.Snapshot.Endpoints) _endpoints.Add(e.Key);
                                _snapshot = true;
                                break;
                            case ServiceUpdate.KindOneofCase.Upserted:
                                foreach (var e in u.Upserted.Endpoints) _endpoints.Add(e.Key);
                                break;
                            case ServiceUpdate.KindOneofCase.Removed:
                                foreach (var k in u.Removed.Keys) _endpoints.Remove(k);
                                break;
                            case ServiceUpdate.KindOneofCase.Deleted:
                                _endpoints.Clear();
                                break;
                        }
                        if (_reached is null && _endpoints.Count == _expected) _reached = now;
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
            catch (Exception e) when (!_cts.IsCancellationRequested) { Error = e; }
            finally { call.Dispose(); }
        });
    }

    public Exception? Error { get; private set; }

    /// <summary>Endpoints the stream says the service has; -1 before the first snapshot.</summary>
    public int Count
    {
        get { lock (_lock) return _snapshot ? _endpoints.Count : -1; }
    }

    /// <summary>From now on, record the first update that leaves <paramref name="count"/> endpoints. Armed while the
    /// count is something else, so the record is the change's arrival, not a state already there.</summary>
    public void Expect(int count)
    {
        lock (_lock)
        {
            if (_endpoints.Count == count) throw new InvalidOperationException($"armed for {count} endpoints, which the watcher already has");
            (_expected, _reached) = (count, null);
        }
    }

    /// <summary>When the armed count was reached; null until then.</summary>
    public long? Reached
    {
        get { lock (_lock) return _reached; }
    }

    public void Dispose() => _cts.Cancel();
}
