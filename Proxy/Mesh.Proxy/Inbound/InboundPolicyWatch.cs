using Grpc.Core;
using Mesh.Api.V1;
using Mesh.Proxy.ControlPlane;
using Mesh.Proxy.Telemetry;

namespace Mesh.Proxy.Inbound;

/// <summary>Discovery.WatchInbound for this proxy's own workload; the compiled policy is swapped whole on each update.</summary>
/// <remarks>Fail closed: the configured default applies only until the control plane first knows the workload. After
/// that, the last policy stays in force until a newer one for the registered workload arrives: a lost control plane,
/// a reconnect, or an <c>exists=false</c> (a silo that forgot the workload, e.g. restarted with memory storage) never
/// loosens what the proxy enforces; nor does a policy derived from another incarnation of the silo's state (it lost its
/// state and a `mesh run` lease put the workload back without its Servers): that one is ignored until the proxy restarts.</remarks>
internal sealed partial class InboundPolicyWatch : IDisposable
{
    private readonly Api.V1.Discovery.DiscoveryClient _client;
    private readonly InboundWatchRequest _request;
    private readonly InboundPolicyCompiler _compiler;
    private readonly ProxyMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _first = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CompiledInboundPolicy _policy;
    private long _updates;

    public InboundPolicyWatch(Api.V1.Discovery.DiscoveryClient client, string ns, string workload, string proxyId, InboundPolicyCompiler compiler, ProxyMetrics metrics, TimeProvider time, ILogger logger)
    {
        _logger = logger;
        _client = client;
        _compiler = compiler;
        _metrics = metrics;
        _time = time;
        _request = new InboundWatchRequest { Namespace = ns, Workload = workload, ProxyId = proxyId };
        _policy = compiler.Compile(new InboundPolicy { Exists = false });
    }

    /// <summary>The policy in force (the configured default until discovery first answers).</summary>
    public CompiledInboundPolicy Policy => Volatile.Read(ref _policy);

    /// <summary>The control plane's policy in force (not an ignored exists=false).</summary>
    public InboundPolicy? Last { get; private set; }

    /// <summary>How many updates arrived, applied or not (the metric misses those before the meter provider starts).</summary>
    public long Updates => Interlocked.Read(ref _updates);

    /// <summary>Completes when the first policy has arrived.</summary>
    public Task FirstUpdate => _first.Task;

    public bool Connected { get; private set; }

    /// <summary>The silo's inbound view version of the policy in force (0 before the first), for the stats report.</summary>
    public long SourceVersion { get; private set; }

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
                    Connected = true;
                    var policy = update.Policy ?? new InboundPolicy();
                    if (!policy.Exists && Last is { Exists: true })
                    {
                        // The silo no longer knows this workload; opening up to the default would let a restart
                        // (or a forgetful store) lift every Server's restrictions. Keep enforcing the last policy.
                        _metrics.DiscoveryError("inbound", "forgotten");
                        LogForgotten(_logger, _request.Namespace, _request.Workload);
                    }
                    else if (Last is { Exists: true, StateIncarnation.Length: > 0 } && policy.StateIncarnation != Last.StateIncarnation)
                    {
                        // The silo's state is not the one the last policy came from: it lost it, and whatever it derives
                        // now (a re-registered workload without its Servers) says nothing about what the owner meant.
                        // Keep enforcing the last policy until this proxy restarts.
                        _metrics.DiscoveryError("inbound", "forgotten");
                        LogOtherIncarnation(_logger, _request.Namespace, _request.Workload);
                    }
                    else
                    {
                        Last = policy;
                        SourceVersion = update.SourceVersion;
                        Volatile.Write(ref _policy, _compiler.Compile(policy));
                    }
                    backoff.Reset();
                    _metrics.DiscoveryUpdate("inbound");
                    Interlocked.Increment(ref _updates);
                    _first.TrySetResult();
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                // Keep enforcing the last policy; reconnect and resync.
                var reason = WatchFailure.Reason(e);
                _metrics.DiscoveryError("inbound", reason);
                LogWatchFailed(_logger, _request.Namespace, _request.Workload, reason, e.GetBaseException().Message);
            }
            Connected = false;
            if (ct.IsCancellationRequested) break;
            _metrics.DiscoveryReconnect();
            try { await Task.Delay(backoff.Next(), _time, ct); } catch (OperationCanceledException) { break; }
        }
    }

    [LoggerMessage(EventId = 203, Level = LogLevel.Warning,
        Message = "inbound policy of {Namespace}/{Workload}: the control plane's state is not the one the enforced policy came from (the silo lost its state); keeping the last policy until this proxy restarts")]
    private static partial void LogOtherIncarnation(ILogger logger, string @namespace, string workload);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning,
        Message = "inbound policy of {Namespace}/{Workload}: the control plane does not know the workload (exists=false); keeping the last policy")]
    private static partial void LogForgotten(ILogger logger, string @namespace, string workload);

    [LoggerMessage(EventId = 202, Level = LogLevel.Warning,
        Message = "inbound policy watch of {Namespace}/{Workload} failed ({Reason}): {Error}; keeping the last policy, reconnecting")]
    private static partial void LogWatchFailed(ILogger logger, string @namespace, string workload, string reason, string error);

    public void Dispose()
    {
        _stop.Cancel();
        _stop.Dispose();
    }
}
