using System.Text.Json.Nodes;

namespace Mesh.Injection;

/// <summary>Finds the pod inside a Kubernetes object — a Pod itself, the pod template of a Deployment, StatefulSet,
/// DaemonSet, ReplicaSet, ReplicationController or Job, a CronJob's job template — and injects it with
/// <see cref="PodInjector"/>. Any other kind passes through untouched (<see cref="WorkloadResult.Result"/> null).</summary>
public static class WorkloadInjector
{
    /// <summary>Kind (with its API group) → where its pod is, as a field path.</summary>
    private static readonly Dictionary<(string Group, string Kind), string[]> PodPaths = new()
    {
        [("", "Pod")] = [],
        [("", "ReplicationController")] = ["spec", "template"],
        [("apps", "Deployment")] = ["spec", "template"],
        [("apps", "StatefulSet")] = ["spec", "template"],
        [("apps", "DaemonSet")] = ["spec", "template"],
        [("apps", "ReplicaSet")] = ["spec", "template"],
        [("batch", "Job")] = ["spec", "template"],
        [("batch", "CronJob")] = ["spec", "jobTemplate", "spec", "template"],
    };

    public static WorkloadResult Inject(JsonObject obj, WorkloadContext context, InjectionSettings settings)
    {
        var kind = obj["kind"] is JsonValue k && k.TryGetValue<string>(out var ks) ? ks : "";
        var apiVersion = obj["apiVersion"] is JsonValue a && a.TryGetValue<string>(out var av) ? av : "";
        var group = apiVersion.Contains('/') ? apiVersion[..apiVersion.IndexOf('/')] : "";
        var meta = obj["metadata"] as JsonObject;
        var name = meta?["name"] is JsonValue n && n.TryGetValue<string>(out var ns) ? ns : "";
        var ns2 = meta?["namespace"] is JsonValue nv && nv.TryGetValue<string>(out var nss) && nss.Length > 0 ? nss : context.DefaultNamespace;
        if (!PodPaths.TryGetValue((group, kind), out var path)) return new WorkloadResult(kind, ns2, name, obj, null);

        var pod = Walk(obj, path);
        var dotted = string.Join('.', path);
        if (pod is not JsonObject podObject)
        {
            var missing = new InjectionResult(InjectionOutcome.Invalid, "no pod template", [], new JsonObject(),
                [new InjectionError(dotted.Length == 0 ? "(object)" : dotted, "required: the pod template (an object with metadata and spec)")], []);
            return new WorkloadResult(kind, ns2, name, obj, missing);
        }
        var result = PodInjector.Inject(podObject, new PodContext(ns2, context.NamespaceAnnotations(ns2), dotted, context.DefaultMode), settings);
        if (result.Outcome != InjectionOutcome.Injected) return new WorkloadResult(kind, ns2, name, obj, result);
        if (path.Length == 0) return new WorkloadResult(kind, ns2, name, result.Pod, result);
        var copy = obj.DeepClone().AsObject();
        ((JsonObject)Walk(copy, path[..^1])!)[path[^1]] = result.Pod.DeepClone();
        return new WorkloadResult(kind, ns2, name, copy, result);
    }

    private static JsonNode? Walk(JsonNode node, string[] path)
    {
        JsonNode? at = node;
        foreach (var key in path) at = at is JsonObject o ? o[key] : null;
        return at;
    }
}

/// <summary>Where objects without a namespace land, how to read a namespace's annotations, and the mode when nothing is
/// annotated.</summary>
public sealed record WorkloadContext(string DefaultNamespace, Func<string, IReadOnlyDictionary<string, string>> NamespaceAnnotations, InjectMode? DefaultMode = null)
{
    public static readonly IReadOnlyDictionary<string, string> NoAnnotations = new Dictionary<string, string>();
}

/// <summary>One object after injection: what it is, the object to write out (the input itself unless its pod was
/// injected) and the pod's result (null for a kind without a pod).</summary>
public sealed record WorkloadResult(string Kind, string Namespace, string Name, JsonObject Object, InjectionResult? Result)
{
    public string Describe => $"{(Kind.Length == 0 ? "object" : Kind)} {(Namespace.Length > 0 ? Namespace + "/" : "")}{(Name.Length == 0 ? "(unnamed)" : Name)}";
}
