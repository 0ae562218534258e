using System.Text.Json.Nodes;
using Mesh.Names;

namespace Mesh.Injection;

/// <summary>Injects the proxy into one pod or pod template (an object with metadata and spec): decides whether
/// (`mesh.io/inject` on the pod, else its namespace, else <see cref="PodContext.DefaultMode"/>; never in kube-system, a
/// hostNetwork pod, or a pod that has the proxy), reads the overrides, and adds the containers, volumes, label and
/// annotation through a <see cref="JsonPatchWriter"/>. Pure: the input is never modified.</summary>
public static class PodInjector
{
    public static InjectionResult Inject(JsonObject pod, PodContext context, InjectionSettings settings)
    {
        var errors = new List<InjectionError>();
        var warnings = new List<string>();
        var at = context.Path.Length == 0 ? "" : context.Path + ".";
        InjectionResult Unchanged(InjectionOutcome outcome, string reason) => new(outcome, reason, [], pod, errors, warnings);

        if (!PodShape.Check(pod, at, errors)) return Unchanged(InjectionOutcome.Invalid, "malformed pod");
        var spec = pod["spec"]!.AsObject();
        if (PodShape.HasProxy(spec)) return Unchanged(InjectionOutcome.Skipped, "the proxy is already injected");

        var annotations = new AnnotationSource(PodShape.Annotations(pod), $"{at}metadata.annotations", context.NamespaceAnnotations, context.Namespace);
        var mode = ProxyConfigReader.Mode(annotations, context.DefaultMode, errors, out var invalidMode);
        if (invalidMode) return Unchanged(InjectionOutcome.Invalid, "invalid mesh.io/inject");
        if (mode is null) return Unchanged(InjectionOutcome.Skipped, $"neither the pod nor namespace \"{context.Namespace}\" has {KubernetesObjects.InjectAnnotation}");
        if (mode == InjectMode.Disabled) return Unchanged(InjectionOutcome.Skipped, $"{KubernetesObjects.InjectAnnotation}: disabled");
        if (context.Namespace == "kube-system") return Unchanged(InjectionOutcome.Skipped, "pods in kube-system are never injected");
        if (spec["hostNetwork"] is JsonValue h && h.TryGetValue<bool>(out var hostNetwork) && hostNetwork)
            return Unchanged(InjectionOutcome.Skipped, "hostNetwork pod: the proxy's iptables redirect would capture the node's traffic");

        var config = ProxyConfigReader.Read(annotations, mode.Value, settings, errors, warnings);
        PodShape.CheckReserved(spec, at, errors);
        if (errors.Count > 0) return Unchanged(InjectionOutcome.Invalid, "invalid proxy configuration");

        var patch = new JsonPatchWriter(pod.DeepClone().AsObject());
        patch.Object("metadata");
        patch.Object("metadata", "labels");
        patch.Set(["metadata", "labels", KubernetesObjects.ProxyVersionLabel], JsonValue.Create(config.Version));
        patch.Object("metadata", "annotations");
        patch.Set(["metadata", "annotations", KubernetesObjects.ProxyVersionAnnotation], JsonValue.Create(config.Version));

        // Init containers run in order: the redirect first, then (native) the proxy, so the app's own init containers
        // already reach the network through it.
        string[] inits = ["spec", "initContainers"];
        patch.Array(inits);
        patch.Insert(inits, 0, ProxyContainers.Init(config));
        if (config.NativeSidecar) patch.Insert(inits, 1, ProxyContainers.Proxy(config));
        else patch.Insert(["spec", "containers"], 0, ProxyContainers.Proxy(config));

        string[] volumes = ["spec", "volumes"];
        patch.Array(volumes);
        foreach (var volume in ProxyContainers.PodVolumes()) patch.Append(volumes, volume);
        return new InjectionResult(InjectionOutcome.Injected, mode == InjectMode.Ingress ? "injected (ingress)" : "injected",
            patch.Operations, patch.Target, errors, warnings);
    }
}

/// <summary>Where a pod is: its namespace and that namespace's annotations, the field path of the pod object inside the
/// document ("" for a Pod, "spec.template" for a Deployment), and the mode when nothing is annotated (the webhook: none;
/// `mesh inject`: enabled, as the user asked for it).</summary>
public sealed record PodContext(string Namespace, IReadOnlyDictionary<string, string> NamespaceAnnotations, string Path = "", InjectMode? DefaultMode = null);
