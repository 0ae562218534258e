using System.Collections.Immutable;
using System.Text.Json.Nodes;

namespace Mesh.Injection;

/// <summary>`mesh inject`'s transform over a whole text: every document (and every item of a List) goes through
/// <see cref="WorkloadInjector"/>; a Namespace in the same text lends its annotations to the objects in it, as the
/// webhook reads them from the API. Nothing is half-done: any invalid pod fails the whole run with every error.</summary>
public static class ManifestInjector
{
    public static ManifestResult Inject(string text, InjectionSettings settings, string defaultNamespace = "default")
    {
        var docs = ManifestText.Read(text);
        var namespaces = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var (_, doc) in docs)
            foreach (var obj in Objects(doc))
                if (Str(obj["kind"]) == "Namespace" && obj["metadata"] is JsonObject meta && Str(meta["name"]) is { } name)
                    namespaces[name] = meta["annotations"] is JsonObject a
                        ? a.Where(p => p.Value is JsonValue v && v.TryGetValue<string>(out _)).ToDictionary(p => p.Key, p => p.Value!.GetValue<string>())
                        : WorkloadContext.NoAnnotations;
        var context = new WorkloadContext(defaultNamespace, ns => namespaces.GetValueOrDefault(ns, WorkloadContext.NoAnnotations), InjectMode.Enabled);

        var output = ImmutableArray.CreateBuilder<JsonNode>();
        var reports = ImmutableArray.CreateBuilder<ManifestReport>();
        var errors = new List<ManifestException>();
        foreach (var (number, doc) in docs)
        {
            if (doc is not JsonObject obj) { errors.Add(new(number, "(document)", "not an object: a Kubernetes manifest is a map with apiVersion and kind")); continue; }
            if (Str(obj["kind"]) == "List" && obj["items"] is JsonArray items)
            {
                var list = obj.DeepClone().AsObject();
                var injected = new JsonArray();
                for (var i = 0; i < items.Count; i++)
                {
                    if (items[i] is not JsonObject item) { errors.Add(new(number, $"items[{i}]", "not an object")); continue; }
                    injected.Add(One(number, $"items[{i}].", item, context, settings, reports, errors));
                }
                list["items"] = injected;
                output.Add(list);
            }
            else output.Add(One(number, "", obj, context, settings, reports, errors));
        }
        if (errors.Count > 0) throw new ManifestErrors([.. errors]);
        return new ManifestResult(output.ToImmutable(), reports.ToImmutable());
    }

    private static JsonObject One(int number, string prefix, JsonObject obj, WorkloadContext context, InjectionSettings settings,
        ImmutableArray<ManifestReport>.Builder reports, List<ManifestException> errors)
    {
        var r = WorkloadInjector.Inject(obj, context, settings);
        foreach (var e in r.Result?.Errors ?? []) errors.Add(new(number, prefix + e.Path, e.Message));
        if (r.Result is { } result) reports.Add(new ManifestReport(number, r.Describe, result.Outcome, result.Reason, result.Warnings));
        return r.Object.DeepClone().AsObject();
    }

    /// <summary>A string field, or null for any other value (a manifest's garbage is an error or a pass-through, never an exception).</summary>
    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    private static IEnumerable<JsonObject> Objects(JsonNode doc) =>
        doc is JsonObject o && Str(o["kind"]) == "List" && o["items"] is JsonArray items
            ? items.OfType<JsonObject>()
            : doc is JsonObject one ? [one] : [];
}

/// <summary>The documents to write out, in input order, and one report line per object that has a pod.</summary>
public sealed record ManifestResult(ImmutableArray<JsonNode> Documents, ImmutableArray<ManifestReport> Reports);

public sealed record ManifestReport(int Document, string Object, InjectionOutcome Outcome, string Reason, IReadOnlyList<string> Warnings);

/// <summary>Every error of a run, each with its document and field path.</summary>
public sealed class ManifestErrors(ImmutableArray<ManifestException> errors)
    : Exception(string.Join("\n", errors.Select(e => e.ToString())))
{
    public ImmutableArray<ManifestException> Errors { get; } = errors;
}
