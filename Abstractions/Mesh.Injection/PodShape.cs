using System.Text.Json.Nodes;
using Mesh.Names;

namespace Mesh.Injection;

/// <summary>The parts of a pod the injector reads, checked before it writes anything: a malformed field is an error with
/// its path, never an exception or a half-injected pod.</summary>
internal static class PodShape
{
    public static bool Check(JsonObject pod, string at, List<InjectionError> errors)
    {
        var before = errors.Count;
        if (pod["metadata"] is { } and not JsonObject) errors.Add(new($"{at}metadata", "must be an object"));
        foreach (var map in new[] { "labels", "annotations" })
            if (pod["metadata"] is JsonObject m && m[map] is { } node)
            {
                if (node is not JsonObject o) errors.Add(new($"{at}metadata.{map}", "must be a map of strings"));
                else foreach (var (k, v) in o)
                    if (v is not JsonValue jv || !jv.TryGetValue<string>(out _)) errors.Add(new($"{at}metadata.{map}[\"{k}\"]", "must be a string (quote it)"));
            }
        if (pod["spec"] is not JsonObject spec)
        {
            errors.Add(new($"{at}spec", pod["spec"] is null ? "required: a pod spec with containers" : "must be an object"));
            return false;
        }
        if (spec["containers"] is not JsonArray { Count: > 0 }) errors.Add(new($"{at}spec.containers", "required: at least one container"));
        foreach (var list in new[] { "containers", "initContainers", "volumes" })
        {
            if (spec[list] is null) continue;
            if (spec[list] is not JsonArray items) { errors.Add(new($"{at}spec.{list}", "must be a list")); continue; }
            for (var i = 0; i < items.Count; i++)
                if (items[i] is not JsonObject item || item["name"] is not JsonValue n || !n.TryGetValue<string>(out _))
                    errors.Add(new($"{at}spec.{list}[{i}]", "must be an object with a name"));
        }
        if (spec["hostNetwork"] is { } hn && (hn is not JsonValue hv || !hv.TryGetValue<bool>(out _)))
            errors.Add(new($"{at}spec.hostNetwork", "must be true or false"));
        return errors.Count == before;
    }

    public static bool HasProxy(JsonObject spec) =>
        Names(spec, "containers").Concat(Names(spec, "initContainers")).Any(n => n.Name == KubernetesObjects.ProxyContainer);

    /// <summary>The names the injector adds must be free: a clash would be a second container or volume of that name.</summary>
    public static void CheckReserved(JsonObject spec, string at, List<InjectionError> errors)
    {
        foreach (var list in new[] { "containers", "initContainers" })
            foreach (var (name, i) in Names(spec, list))
                if (name == KubernetesObjects.InitContainer)
                    errors.Add(new($"{at}spec.{list}[{i}].name", $"'{name}' is the injector's init container: rename this one"));
        foreach (var (name, i) in Names(spec, "volumes"))
            if (ProxyContainers.Volumes.Contains(name))
                errors.Add(new($"{at}spec.volumes[{i}].name", $"'{name}' is a volume the injector adds: rename this one"));
    }

    public static IReadOnlyDictionary<string, string> Annotations(JsonObject pod) =>
        pod["metadata"]?["annotations"] is JsonObject a
            ? a.ToDictionary(p => p.Key, p => p.Value!.GetValue<string>(), StringComparer.Ordinal)
            : new Dictionary<string, string>();

    private static IEnumerable<(string Name, int Index)> Names(JsonObject spec, string list) =>
        spec[list] is JsonArray items
            ? items.Select((item, i) => (item?["name"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "", i))
            : [];
}
