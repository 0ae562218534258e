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

    public static string? Identity(WorkloadResource w, string trustDomain) =>
        w.Spec.Proxy is null ? null : MeshNames.SpiffeId(w.Metadata.Namespace, w.Spec.ServiceAccount, trustDomain);
}
