namespace Mesh.Injection;

/// <summary>The annotations one pod's injection reads: the pod's own (which win) over its namespace's, each value with
/// the path an error names.</summary>
internal sealed class AnnotationSource(IReadOnlyDictionary<string, string> pod, string podPath, IReadOnlyDictionary<string, string> ns, string nsName)
{
    public (string Value, string Path)? Find(string key)
    {
        if (pod.TryGetValue(key, out var v)) return (v, $"{podPath}[\"{key}\"]");
        if (ns.TryGetValue(key, out var n)) return (n, $"namespace \"{nsName}\": metadata.annotations[\"{key}\"]");
        return null;
    }

    /// <summary>Every key set on the pod or the namespace (with the path of the one that counts).</summary>
    public IEnumerable<(string Key, string Path)> Keys() =>
        pod.Keys.Select(k => (k, $"{podPath}[\"{k}\"]"))
            .Concat(ns.Keys.Where(k => !pod.ContainsKey(k)).Select(k => (k, $"namespace \"{nsName}\": metadata.annotations[\"{k}\"]")));
}
