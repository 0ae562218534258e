namespace Mesh.Testing.KubeApi.Kinds;

/// <summary>The built-in kinds the fake serves, with the strategic-merge keys their Go types declare.</summary>
internal static class BuiltInKinds
{
    private static readonly (string, string)[] PodKeys =
    [
        ("spec.containers", "name"), ("spec.initContainers", "name"), ("spec.ephemeralContainers", "name"),
        ("spec.containers.ports", "containerPort"), ("spec.initContainers.ports", "containerPort"),
        ("spec.containers.env", "name"), ("spec.initContainers.env", "name"),
        ("spec.containers.volumeMounts", "mountPath"), ("spec.initContainers.volumeMounts", "mountPath"),
        ("spec.volumes", "name"), ("spec.imagePullSecrets", "name"), ("spec.hostAliases", "ip"),
        ("status.conditions", "type"), ("status.podIPs", "ip"),
    ];

    public static IEnumerable<KindInfo> All()
    {
        yield return KindInfo.Create("", "v1", "namespaces", "Namespace", namespaced: false, hasStatus: true, ["ns"]);
        yield return KindInfo.Create("", "v1", "services", "Service", true, true, ["svc"], [("spec.ports", "port")]);
        yield return KindInfo.Create("", "v1", "pods", "Pod", true, true, ["po"], PodKeys);
        yield return KindInfo.Create("", "v1", "secrets", "Secret", true, false);
        yield return KindInfo.Create("", "v1", "configmaps", "ConfigMap", true, false, ["cm"]);
        yield return KindInfo.Create("", "v1", "serviceaccounts", "ServiceAccount", true, false, ["sa"], [("secrets", "name")]);
        yield return KindInfo.Create("", "v1", "events", "Event", true, false, ["ev"]);
        // EndpointSlice endpoints and ports are atomic lists in discovery.k8s.io/v1 (no patch strategy).
        yield return KindInfo.Create("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false);
        yield return KindInfo.Create("coordination.k8s.io", "v1", "leases", "Lease", true, false);
        yield return KindInfo.Create("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
            false, true, ["crd", "crds"], [("spec.versions", "name")]);
    }
}
