using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Runs the sync on exactly one silo per cluster: every silo campaigns for the Lease
/// <see cref="Names.KubernetesObjects.SyncLease"/> in its namespace (k8s.LeaderElection); the holder fences the
/// catalog with its term's epoch, then runs one <see cref="SyncLoop"/> per kind, the <see cref="CatalogSink"/>, the
/// <see cref="RouteStatusWriter"/>, the <see cref="TrustBundlePublisher"/>, the <see cref="MirrorPublisher"/> and the
/// <see cref="LinkStatusWriter"/>
/// until it loses the Lease, is deposed, or the silo stops — then it releases the Lease (the library does not), so a
/// standby takes over within one retry period instead of one lease duration.</summary>
internal sealed partial class KubernetesSync(IKubernetes client, IGrainFactory grains, SyncStatusBoard board, KubernetesSyncOptions options,
    Identity.SiloCertificateAuthority ca, TimeProvider time, ILoggerFactory loggers) : BackgroundService
{
    private readonly ILogger _logger = loggers.CreateLogger<KubernetesSync>();

    protected override async Task ExecuteAsync(CancellationToken stop)
    {
        var events = new InvalidObjectEvents(client, options.Identity, time, _logger);
        while (!stop.IsCancellationRequested)
        {
            var lease = new LeaseLock(client, options.LeaseNamespace, options.LeaseName, options.Identity);
            using var elector = new LeaderElector(new LeaderElectionConfig(lease)
            {
                LeaseDuration = options.LeaseDuration, RenewDeadline = options.RenewDeadline, RetryPeriod = options.RetryPeriod,
            });
            using var term = CancellationTokenSource.CreateLinkedTokenSource(stop);
            Task? leading = null;
            elector.OnNewLeader += board.Holder;
            elector.OnError += e => board.Error($"lease {options.LeaseNamespace}/{options.LeaseName}: {e.Message}");
            elector.OnStartedLeading += () => leading = Task.Run(() => LeadAsync(lease, events, term), CancellationToken.None);
            elector.OnStoppedLeading += () => term.Cancel();
            try { await elector.RunUntilLeadershipLostAsync(term.Token); }
            catch (OperationCanceledException) { }
            catch (Exception e)
            {
                board.Error($"lease {options.LeaseNamespace}/{options.LeaseName}: {e.Message}");
                Log.ElectionFailed(_logger, e);
            }
            await term.CancelAsync();
            if (leading is not null)
            {
                await leading;
                await ReleaseAsync(lease);
            }
            board.NotLeading();
            if (!stop.IsCancellationRequested) await Task.Delay(options.RetryPeriod, time, CancellationToken.None);
        }
    }

    /// <summary>One leader term: its epoch from the Lease's transition count, the fence, then the loops.</summary>
    private async Task LeadAsync(LeaseLock lease, InvalidObjectEvents events, CancellationTokenSource term)
    {
        var ct = term.Token;
        try
        {
            var record = await lease.GetAsync(ct);
            if (record.HolderIdentity != options.Identity) return; // already lost it again
            var epoch = new SyncEpoch(record.LeaderTransitions, time);
            board.Leading(epoch.Term);
            Log.Leading(_logger, options.Identity, record.LeaderTransitions);
            var sink = new CatalogSink(grains, epoch, board, _logger, time, options.Coalesce);
            await sink.FenceAsync(ct);
            var statuses = new RouteStatusWriter(client, time, _logger, options.RouteStatusQuiet, options.RouteStatusResync, options.PageSize);
            var bundles = new TrustBundlePublisher(client, ca, time, _logger, options.RouteStatusQuiet, options.RouteStatusResync, options.PageSize);
            var mirrors = new MirrorPublisher(client, grains, time, _logger, options.RouteStatusQuiet, options.RouteStatusResync, options.MirrorPoll, options.PageSize);
            var links = new LinkStatusWriter(client, grains, mirrors, time, _logger, options.RouteStatusQuiet, options.RouteStatusResync, options.MirrorPoll, options.PageSize);
            var tasks = SyncKinds.All
                .Select(k => Task.Run(() => new SyncLoop(client, k, sink, board, events, grains, time, _logger, options.PageSize, k.Kind switch
                {
                    "Namespace" => bundles.Changed,
                    "Service" => () => { statuses.Changed(); mirrors.Changed(); },
                    "HTTPRoute" or "GRPCRoute" => statuses.Changed,
                    "EndpointSlice" => mirrors.Changed,
                    "Link" => links.Changed,
                    _ => null,
                }).RunAsync(ct), ct))
                .Append(Task.Run(() => sink.RunAsync(ct), ct))
                .Append(Task.Run(() => statuses.RunAsync(ct), ct))
                .Append(Task.Run(() => bundles.RunAsync(ct), ct))
                .Append(Task.Run(() => mirrors.RunAsync(ct), ct))
                .Append(Task.Run(() => links.RunAsync(ct), ct))
                .ToList();
            // The first to end (only a deposed write or a cancel ends one) ends the term.
            var first = await Task.WhenAny(tasks);
            await first;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { }
        catch (DeposedException e)
        {
            board.Error($"deposed: {e.Message}");
            Log.Deposed(_logger, e.Message);
        }
        catch (Exception e)
        {
            board.Error($"sync stopped: {e.Message}");
            Log.LeadFailed(_logger, e);
        }
        finally
        {
            board.NotLeading();
            await term.CancelAsync();
        }
    }

    /// <summary>Hands the Lease back (holder empty, as client-go's ReleaseOnCancel does) if this silo still holds it.</summary>
    private async Task ReleaseAsync(LeaseLock lease)
    {
        try
        {
            using var bound = new CancellationTokenSource(options.RenewDeadline);
            var record = await lease.GetAsync(bound.Token);
            if (record.HolderIdentity != options.Identity) return;
            var now = time.GetUtcNow().UtcDateTime;
            await lease.UpdateAsync(new LeaderElectionRecord
            {
                HolderIdentity = "", LeaseDurationSeconds = 1, AcquireTime = now, RenewTime = now, LeaderTransitions = record.LeaderTransitions,
            }, bound.Token);
            Log.Released(_logger, options.Identity);
        }
        catch (Exception e)
        {
            Log.ReleaseFailed(_logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7330, Level = LogLevel.Information, Message = "Kubernetes sync: {Identity} leads (lease transitions {Transitions})")]
        public static partial void Leading(ILogger logger, string identity, int transitions);

        [LoggerMessage(EventId = 7331, Level = LogLevel.Warning, Message = "Kubernetes sync: deposed ({Reason})")]
        public static partial void Deposed(ILogger logger, string reason);

        [LoggerMessage(EventId = 7332, Level = LogLevel.Error, Message = "Kubernetes sync: the term ended on an error")]
        public static partial void LeadFailed(ILogger logger, Exception e);

        [LoggerMessage(EventId = 7333, Level = LogLevel.Warning, Message = "Kubernetes sync: leader election failed; campaigning again")]
        public static partial void ElectionFailed(ILogger logger, Exception e);

        [LoggerMessage(EventId = 7334, Level = LogLevel.Information, Message = "Kubernetes sync: {Identity} released the lease")]
        public static partial void Released(ILogger logger, string identity);

        [LoggerMessage(EventId = 7335, Level = LogLevel.Warning, Message = "Kubernetes sync: releasing the lease failed (a standby takes over after the lease duration)")]
        public static partial void ReleaseFailed(ILogger logger, Exception e);
    }
}
