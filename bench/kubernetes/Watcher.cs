using System.Diagnostics;
using Grpc.Core;
using Mesh.Api.V1;

namespace Mesh.Bench.Kubernetes;

/// <summary>One discovery Watch stream, as a proxy opens it: records when each endpoint key first arrived and how many
/// updates (snapshots and deltas) the stream delivered.</summary>
internal sealed class Watcher : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly Dictionary<string, long> _seen = [];
    private int _updates;
    private int _snapshotEndpoints = -1;
    private int _snapshots;

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
                    var endpoints = u.KindCase switch
                    {
                        ServiceUpdate.KindOneofCase.Snapshot => u.Snapshot.Endpoints,
                        ServiceUpdate.KindOneofCase.Upserted => u.Upserted.Endpoints,
                        _ => null,
                    };
                    lock (_seen)
                        if (endpoints is not null)
                            foreach (var e in endpoints) _seen.TryAdd(e.Key, now);
                    if (u.KindCase == ServiceUpdate.KindOneofCase.Snapshot) { Volatile.Write(ref _snapshotEndpoints, u.Snapshot.Endpoints.Count); Interlocked.Increment(ref _snapshots); }
                    Interlocked.Increment(ref _updates);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
            catch (Exception e) when (!_cts.IsCancellationRequested) { Error = e; }
            finally { call.Dispose(); }
        });
    }

    /// <summary>Endpoints in the last snapshot; -1 before the first.</summary>
    public int SnapshotEndpoints => Volatile.Read(ref _snapshotEndpoints);
    public int Snapshots => Volatile.Read(ref _snapshots);
    public int Updates => Volatile.Read(ref _updates);
    public Exception? Error { get; private set; }

    public long? Seen(string key)
    {
        lock (_seen) return _seen.TryGetValue(key, out var t) ? t : null;
    }

    public void Dispose() => _cts.Cancel();
}
