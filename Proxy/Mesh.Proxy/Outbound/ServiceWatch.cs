using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Proxy.Outbound.Resilience;
using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Outbound;

/// <summary>One Discovery.Watch stream for one authority: reconnects with backoff, keeps the last state while the silo is away.</summary>
/// <remarks>Threading: one loop writes <see cref="State"/> (a whole immutable record); readers on any thread read it once.</remarks>
internal sealed partial class ServiceWatch : IDisposable
{
    private readonly Api.V1.Discovery.DiscoveryClient _client;
    private readonly WatchRequest _request;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ServiceState? _state;
    private long _lastUsed;

    public ServiceWatch(string authority, Api.V1.Discovery.DiscoveryClient client, string contextNamespace, string proxyId, ProxyMetrics metrics, TimeProvider time, ILogger logger)
    {
        Authority = authority;
        _logger = logger;
        _client = client;
        _metrics = metrics;
        _time = time;
        _request = new WatchRequest { Authority = authority, ContextNamespace = contextNamespace, ProxyId = proxyId };
        _lastUsed = time.GetTimestamp();
        Budget = new RetryBudget(time);
    }

    public string Authority { get; }

    /// <summary>The last known state, or null before the first snapshot.</summary>
    public ServiceState? State => Volatile.Read(ref _state);

    /// <summary>Whether the stream is connected and has delivered a snapshot since its last (re)connect.</summary>
    public bool Connected { get; private set; }

    /// <summary>Retries to this logical service share one budget, kept across profile updates.</summary>
    public RetryBudget Budget { get; }

    /// <summary>Raised after every applied update (on the watch loop).</summary>
    public event Action<ServiceWatch>? Changed;

    public long LastUsedTimestamp => Volatile.Read(ref _lastUsed);

    public void Touch() => Volatile.Write(ref _lastUsed, _time.GetTimestamp());

    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>Waits for the first state (or returns the cached one); null when discovery did not answer in time.</summary>
    public async ValueTask<ServiceState?> GetStateAsync(TimeSpan timeout, CancellationToken ct)
    {
        if (State is { } s) return s;
        try { await _first.Task.WaitAsync(timeout, _time, ct); }
        catch (TimeoutException) { }
        return State;
    }

    /// <summary>Completes on the next applied update.</summary>
    public Task NextChange => Volatile.Read(ref _changed).Task;

    private async Task RunAsync()
    {
        var backoff = Backoff.ForControlPlane();
        var ct = _stop.Token;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                using var call = _client.Watch(_request, cancellationToken: ct);
                ServiceState? current = null;
                await foreach (var update in call.ResponseStream.ReadAllAsync(ct))
                {
                    if (current is null && update.KindCase != ServiceUpdate.KindOneofCase.Snapshot)
                        throw new InvalidDataException($"discovery for {Authority} sent a delta before a snapshot");
                    if (current is not null && update.Version <= current.Version)
                        throw new InvalidDataException($"discovery for {Authority} went from version {current.Version} to {update.Version}");
                    current = (current is null ? ServiceState.FromSnapshot(Authority, update.Version, update.Snapshot) : current.Apply(update))
                        with { EndpointsVersion = update.EndpointsVersion };
                    backoff.Reset();
                    Connected = true;
                    _metrics.DiscoveryUpdate(update.KindCase.ToString());
                    Publish(current);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
                // Not a service name the control plane can ever resolve (an external host, an address): a final answer,
                // so requests fail (or pass through, transparent) at once instead of waiting for discovery.
                Connected = true;
                Publish(ServiceState.Missing(Authority, 0, $"{Authority} is not a mesh service: {e.Status.Detail}"));
                return;
            }
            catch (Exception e)
            {
                // Any failure (silo down, stream reset, protocol oddity): keep the last state, reconnect, resync from a snapshot.
                // A watch being disposed ends with the call's cancellation (an RpcException): nothing failed.
                if (!ct.IsCancellationRequested)
                {
                    var reason = WatchFailure.Reason(e);
                    _metrics.DiscoveryError("service", reason);
                    LogWatchFailed(_logger, Authority, reason, e.GetBaseException().Message);
                }
            }
            Connected = false;
            if (ct.IsCancellationRequested) break;
            _metrics.DiscoveryReconnect();
            try { await Task.Delay(backoff.Next(), _time, ct); } catch (OperationCanceledException) { break; }
        }
    }

    private void Publish(ServiceState state)
    {
        Volatile.Write(ref _state, state);
        _first.TrySetResult();
        Changed?.Invoke(this);
        var previous = Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        previous.TrySetResult();
    }

    [LoggerMessage(EventId = 204, Level = LogLevel.Warning,
        Message = "discovery watch of {Authority} failed ({Reason}): {Error}; keeping the last state, reconnecting")]
    private static partial void LogWatchFailed(ILogger logger, string authority, string reason, string error);

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
