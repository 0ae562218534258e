using Mesh.Names;

namespace Mesh.Abstractions.Multicluster;

/// <summary>How a Service leaves its cluster: not at all, through the gateway, or as its endpoints (flat mode).</summary>
public enum ExportMode { None = 0, Gateway = 1, RemoteDiscovery = 2 }

/// <summary>What a Service's labels export: its mode, and whether it is a member of the federated service.</summary>
public readonly record struct ExportClass(ExportMode Mode, bool Federated)
{
    /// <summary>A peer may see the Service at all.</summary>
    public bool Exported => Mode != ExportMode.None || Federated;

    /// <summary>Peers get the endpoints themselves (flat mode, and federated members, which peers merge pod by pod).</summary>
    public bool WithEndpoints => Mode == ExportMode.RemoteDiscovery || Federated;
}

/// <summary>Evaluates the export labels on a Service. The exporting silo calls this on every change; anything but the
/// exact values (<see cref="MulticlusterNames"/>) exports nothing, so a typo keeps a Service private.</summary>
public static class ExportSelector
{
    public static ExportClass Classify(IReadOnlyDictionary<string, string> labels)
    {
        var mode = labels.GetValueOrDefault(MulticlusterNames.ExportedLabel) switch
        {
            MulticlusterNames.ExportedGateway => ExportMode.Gateway,
            MulticlusterNames.ExportedRemoteDiscovery => ExportMode.RemoteDiscovery,
            _ => ExportMode.None,
        };
        return new ExportClass(mode, labels.GetValueOrDefault(MulticlusterNames.FederatedLabel) == MulticlusterNames.FederatedMember);
    }
}
