using System.Collections.Immutable;
using System.Globalization;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>A workload's ports as a lookup: each name → number, and each number as its own key, so a Service's
/// targetPort (a name or a number) resolves with one dictionary lookup.</summary>
internal static class WorkloadPorts
{
    public static ImmutableDictionary<string, int> Of(WorkloadResource w)
    {
        var b = ImmutableDictionary.CreateBuilder<string, int>(StringComparer.Ordinal);
        foreach (var p in w.Spec.Ports)
        {
            if (p.Name is { } name) b[name] = p.Port;
            b[p.Port.ToString(CultureInfo.InvariantCulture)] = p.Port;
        }
        return b.ToImmutable();
    }

    /// <summary>The ports the workload serves the mesh on, for its inbound proxy: its own ports (<see cref="Of"/>) plus
    /// the numeric target ports of the Services selecting it (a named target port is one of its own already). The
    /// proxy's inbound and admin ports are never among them: a client may not make the inbound forward to the proxy.</summary>
    public static ImmutableDictionary<string, int> Declared(WorkloadResource w, NamespaceResources all)
    {
        var b = Of(w).ToBuilder();
        foreach (var service in all.Services)
        {
            if (service.Spec.Selector.IsEmpty || !LabelSelectorMatcher.MatchesServiceSelector(service.Spec.Selector, w.Metadata.Labels)) continue;
            foreach (var p in service.Spec.Ports)
                if ((p.TargetPort.Number ?? (p.TargetPort.Name is null ? p.Port : null)) is int target and > 0 and <= 65535)
                    b[target.ToString(CultureInfo.InvariantCulture)] = target;
        }
        foreach (var own in new[] { w.Spec.Proxy?.InboundPort, w.Spec.Proxy?.AdminPort })
            if (own is int port)
                foreach (var key in b.Where(kv => kv.Value == port).Select(kv => kv.Key).ToList()) b.Remove(key);
        return b.ToImmutable();
    }

    public static string? Identity(WorkloadResource w, string trustDomain) =>
        w.Spec.Proxy is null ? null : Names.SpiffeId.Format(trustDomain, w.Metadata.Namespace, w.Spec.ServiceAccount);
}
