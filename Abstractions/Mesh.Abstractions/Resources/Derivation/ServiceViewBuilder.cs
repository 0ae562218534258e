using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Builds the data-plane view of a Service: its ports, each marked opaque by appProtocol or by the
/// config.mesh.io/opaque-ports annotation.</summary>
internal static class ServiceViewBuilder
{
    /// <summary>appProtocol values that mean "do not detect a protocol; proxy as TCP".</summary>
    private static readonly string[] OpaqueAppProtocols = ["mesh.io/opaque", "linkerd.io/opaque", "tcp"];

    public static ServiceView Build(ServiceResource s)
    {
        var opaque = AnnotationReader.ReadOpaquePorts(s.Metadata.Annotations);
        var ports = s.Spec.Ports.Select(p => new ServicePortView(p.Name, p.Port, p.TargetPort.ToString(), p.AppProtocol,
            IsOpaque(p, opaque))).ToImmutableArray();
        return new ServiceView(s.Metadata.Namespace, s.Metadata.Name, ports, s.Spec.Selector, s.Metadata.Labels, s.Metadata.Annotations);
    }

    public static ImmutableArray<int> OpaquePorts(ServiceView view) =>
        [.. view.Ports.Where(p => p.Opaque).Select(p => p.Port).Distinct().Order()];

    private static bool IsOpaque(ServicePort p, ImmutableArray<int> annotated) =>
        annotated.Contains(p.Port)
        || (p.AppProtocol is { } ap && OpaqueAppProtocols.Contains(ap, StringComparer.OrdinalIgnoreCase));
}
