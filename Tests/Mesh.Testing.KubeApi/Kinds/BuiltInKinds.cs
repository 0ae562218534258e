namespace Mesh.Testing.KubeApi.Kinds;

/// <summary>The built-in kinds the fake serves, with the strategic-merge keys their Go types declare.</summary>
internal static class BuiltInKinds
{
    /// <summary>The pod spec's strategic-merge keys, under <paramref name="prefix"/> (a pod, or a template in a workload).</summary>
    private static (string, string)[] PodSpecKeys(string prefix) =>
    [
        .. new[] { "containers", "initContainers", "ephemeralContainers" }.SelectMany(c => new[]
        {
            ($"{prefix}.{c}", "name"), ($"{prefix}.{c}.ports", "containerPort"), ($"{prefix}.{c}.env", "name"),
            ($"{prefix}.{c}.volumeMounts", "mountPath"), ($"{prefix}.{c}.volumeDevices", "devicePath"),
        }),
        ($"{prefix}.volumes", "name"), ($"{prefix}.imagePullSecrets", "name"), ($"{prefix}.hostAliases", "ip"),
        ($"{prefix}.topologySpreadConstraints", "topologyKey"),
    ];

    private static readonly (string, string)[] PodKeys = [.. PodSpecKeys("spec"), ("status.conditions", "type"), ("status.podIPs", "ip")];

    private static (string, string)[] WorkloadKeys(string templatePrefix) =>
        [.. PodSpecKeys(templatePrefix + ".spec"), ("status.conditions", "type")];

    public static IEnumerable<KindInfo> All()
    {
        yield return KindInfo.Create("", "v1", "namespaces", "Namespace", namespaced: false, hasStatus: true, ["ns"], fieldLabels: ["status.phase"]);
        yield return KindInfo.Create("", "v1", "services", "Service", true, true, ["svc"], [("spec.ports", "port")]);
        yield return KindInfo.Create("", "v1", "pods", "Pod", true, true, ["po"], PodKeys, fieldLabels:
        [
            "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork",
            "status.phase", "status.podIP", "status.nominatedNodeName",
        ]);
        yield return KindInfo.Create("", "v1", "secrets", "Secret", true, false, fieldLabels: ["type"]);
        yield return KindInfo.Create("", "v1", "configmaps", "ConfigMap", true, false, ["cm"]);
        yield return KindInfo.Create("", "v1", "serviceaccounts", "ServiceAccount", true, false, ["sa"], [("secrets", "name")]);
        yield return KindInfo.Create("", "v1", "events", "Event", true, false, ["ev"], fieldLabels:
        [
            "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
            "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "type",
        ]);
        // EndpointSlice endpoints and ports are atomic lists in discovery.k8s.io/v1 (no patch strategy).
        yield return KindInfo.Create("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true, false);
        yield return KindInfo.Create("coordination.k8s.io", "v1", "leases", "Lease", true, false);
        yield return KindInfo.Create("", "v1", "nodes", "Node", false, true, ["no"], [("status.addresses", "type"), ("status.conditions", "type")],
            fieldLabels: ["spec.unschedulable"]);
        yield return KindInfo.Create("", "v1", "endpoints", "Endpoints", true, false, ["ep"]);
        yield return KindInfo.Create("apps", "v1", "deployments", "Deployment", true, true, ["deploy"], WorkloadKeys("spec.template"));
        yield return KindInfo.Create("apps", "v1", "statefulsets", "StatefulSet", true, true, ["sts"], WorkloadKeys("spec.template"));
        yield return KindInfo.Create("apps", "v1", "daemonsets", "DaemonSet", true, true, ["ds"], WorkloadKeys("spec.template"));
        yield return KindInfo.Create("apps", "v1", "replicasets", "ReplicaSet", true, true, ["rs"], WorkloadKeys("spec.template"));
        yield return KindInfo.Create("batch", "v1", "jobs", "Job", true, true, [], WorkloadKeys("spec.template"));
        yield return KindInfo.Create("batch", "v1", "cronjobs", "CronJob", true, true, ["cj"], WorkloadKeys("spec.jobTemplate.spec.template"));
        yield return KindInfo.Create("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true, ["pdb"], [("status.conditions", "type")]);
        // NetworkPolicy ingress/egress rules are atomic lists in networking.k8s.io/v1 (stored only: no traffic to police).
        yield return KindInfo.Create("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, false, ["netpol"]);
        // RBAC rules and subjects are atomic lists in rbac/v1.
        yield return KindInfo.Create("rbac.authorization.k8s.io", "v1", "roles", "Role", true, false);
        yield return KindInfo.Create("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false, false);
        yield return KindInfo.Create("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true, false);
        yield return KindInfo.Create("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false, false);
        yield return KindInfo.Create("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration",
            false, false, [], [("webhooks", "name")]);
        yield return KindInfo.Create("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration",
            false, false, [], [("webhooks", "name")]);
        yield return KindInfo.Create("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false, false) with { CreateOnly = true };
        yield return KindInfo.Create("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false, false) with { CreateOnly = true };
        yield return KindInfo.Create("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false, false) with { CreateOnly = true };
        yield return KindInfo.Create("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition",
            false, true, ["crd", "crds"], [("spec.versions", "name")]);
    }
}
