using System.Collections.Immutable;

namespace Mesh.Proxy.Outbound;

/// <summary>Picks a route rule's concrete backend by weight among the backends that have available endpoints, so a
/// weighted split never sends traffic into a service that has none (linkerd2 #5360).</summary>
/// <remarks>
/// The rules, in order:
/// <list type="number">
/// <item>Backends of positive weight whose service has an available endpoint (ready, not ejected by failure accrual)
/// share the traffic by weight; an empty one's share goes to the others in proportion.</item>
/// <item>Weight 0 is a standby: it gets traffic only while no backend of positive weight has an available endpoint,
/// and then the available standbys share it evenly. Primary weight 1 + secondary weight 0 is a failover pair.</item>
/// <item>Nothing available: the pick is by weight over every positive-weight backend, as if all were available, so the
/// request queues for that backend's endpoints and answers the usual "no endpoints" 503.</item>
/// <item>A rule whose backends are all weight 0 has no primary: null (503, as the Gateway API asks).</item>
/// </list>
/// </remarks>
internal static class BackendFailover
{
    /// <summary>The backend for this request; <paramref name="roll"/> is any non-negative random number.</summary>
    public static CompiledBackend? Pick(ImmutableArray<CompiledBackend> backends, Func<string, bool> isAvailable, int roll)
    {
        ulong total = 0, availableTotal = 0;
        var standbys = 0;
        var anyPrimary = false;
        foreach (var b in backends)
        {
            if (b.Weight > 0) { anyPrimary = true; total += b.Weight; }
        }
        if (!anyPrimary) return null;
        if (backends.Length == 1) return backends[0];
        // Availability is asked once per backend per pick (a rule has few backends: on the stack).
        Span<bool> up = backends.Length <= 64 ? stackalloc bool[backends.Length] : new bool[backends.Length];
        for (var i = 0; i < backends.Length; i++)
        {
            up[i] = isAvailable(backends[i].Authority);
            if (!up[i]) continue;
            if (backends[i].Weight > 0) availableTotal += backends[i].Weight;
            else standbys++;
        }
        var r = (ulong)(uint)roll;
        if (availableTotal > 0) return ByWeight(backends, up, r % availableTotal);
        if (standbys > 0)
        {
            var n = (int)(r % (ulong)standbys);
            for (var i = 0; i < backends.Length; i++)
                if (up[i] && backends[i].Weight == 0 && n-- == 0) return backends[i];
        }
        return ByWeight(backends, default, r % total);
    }

    private static CompiledBackend ByWeight(ImmutableArray<CompiledBackend> backends, ReadOnlySpan<bool> up, ulong point)
    {
        ulong sum = 0;
        CompiledBackend? last = null;
        for (var i = 0; i < backends.Length; i++)
        {
            if (backends[i].Weight == 0 || (!up.IsEmpty && !up[i])) continue;
            sum += backends[i].Weight;
            last = backends[i];
            if (point < sum) return backends[i];
        }
        return last!;
    }
}
