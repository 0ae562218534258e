using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Grains.Federation;
using Mesh.Names;

namespace Mesh.Silo.Federation;

/// <summary>Keeps a link grain running for every Link: lists the Links in namespace mesh every
/// <see cref="Period"/> (at silo start, after an apply, after a Link moved) and has each link grain read its Link
/// again; a Link that disappeared has its grain stop watching. Every silo runs one: a grain is one activation in the
/// cluster, and refreshing an unchanged Link does nothing, so a silo's death only means the next refresh from another
/// silo activates the grain there.</summary>
internal sealed partial class LinkSupervisor(IGrainFactory grains, ILogger<LinkSupervisor> logger) : BackgroundService
{
    internal static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        using var timer = new PeriodicTimer(Period);
        do
        {
            try
            {
                var links = (await grains.GetGrain<ICatalogGrain>(KubernetesObjects.Namespace).ListAsync(ResourceKinds.Link.Kind))
                    .Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var name in links.Union(known)) await grains.GetGrain<ILinkGrain>(name).RefreshAsync();
                known = links;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.RefreshFailed(logger, e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 7403, Level = LogLevel.Warning, Message = "Links: refreshing failed (retrying): {Error}")]
        public static partial void RefreshFailed(ILogger logger, string error);
    }
}
