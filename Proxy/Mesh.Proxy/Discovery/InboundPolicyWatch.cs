using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Discovery;

/// <summary>Discovery.WatchInbound for this proxy's own workload; the compiled policy is swapped whole on each update.</summary>
internal sealed class InboundPolicyWatch : IDisposable
{
    private readonly Api.V1.Discovery.DiscoveryClient _client;
    private readonly InboundWatchRequest _request;
    private readonly InboundPolicyCompiler _compiler;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CompiledInboundPolicy _policy;

    public InboundPolicyWatch(Api.V1.Discovery.DiscoveryClient client, string ns, string workload, string proxyId, InboundPolicyCompiler compiler, ProxyMetrics metrics, TimeProvider time)
    {
        _client = client;
        _compiler = compiler;
        _metrics = metrics;
        _time = time;
        _request = new InboundWatchRequest { Namespace = ns, Workload = workload, ProxyId = proxyId };
        _policy = compiler.Compile(new InboundPolicy { Exists = false });
    }

    /// <summary>The policy in force (the default policy until discovery answers).</summary>
    public CompiledInboundPolicy Policy => Volatile.Read(ref _policy);

    public InboundPolicy? Last { get; private set; }

    /// <summary>Completes when the first policy has arrived.</summary>
    public Task FirstUpdate => _first.Task;

    public bool Connected { get; private set; }

    public void Start() => _ = Task.Run(RunAsync);

    private async Task RunAsync()
    {
        var backoff = Backoff.ForControlPlane();
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var call = _client.WatchInbound(_request, cancellationToken: ct);
                ulong version = 0;
                var any = false;
                await foreach (var update in call.ResponseStream.ReadAllAsync(ct))
                {
                    if (any && update.Version <= version)
                        throw new InvalidDataException($"inbound policy went from version {version} to {update.Version}");
                    any = true;
                    version = update.Version;
                    Last = update.Policy ?? new InboundPolicy();
                    Volatile.Write(ref _policy, _compiler.Compile(Last));
                    Connected = true;
                    backoff.Reset();
                    _metrics.DiscoveryUpdate("inbound");
                    _first.TrySetResult();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception)
            {
                // Keep enforcing the last policy; reconnect and resync.
            }
            Connected = false;
            if (ct.IsCancellationRequested) break;
            _metrics.DiscoveryReconnect();
            try { await Task.Delay(backoff.Next(), _time, ct); } catch (OperationCanceledException) { break; }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
