using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources.Syntax;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>One field of an object: its shape, whether it must be present, and the value used when it is absent.</summary>
internal sealed record Field(string Name, Shape Shape, bool Required = false,
    Func<ReadContext, IReadOnlyDictionary<string, JsonNode>, JsonNode?>? Default = null, string? RequiredHint = null);

/// <summary>An object with known fields. Unknown fields are errors; output fields follow declaration order and absent
/// fields with a default get it, so the canonical JSON of equal specs is equal text. <c>check</c> runs cross-field
/// rules on the result when every field was valid.</summary>
internal sealed class ObjectShape(Field[] fields, Action<JsonObject, string, ReadContext>? check = null) : Shape
{
    public IReadOnlyList<Field> Fields => fields;

    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (node is not MappingNode map) { ctx.Error(path, "must be an object"); return null; }
        var before = ctx.ErrorCount;
        var values = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            var fieldPath = ReadContext.Join(path, key);
            var field = Array.Find(fields, f => f.Name == key);
            if (field is null)
            {
                ctx.Error(fieldPath, UnknownField(key));
                continue;
            }
            if (value is ScalarNode { IsNull: true }) continue;
            if (field.Shape.Read(value, fieldPath, ctx) is { } read) values[key] = read;
        }
        var result = new JsonObject();
        foreach (var f in fields)
        {
            if (values.TryGetValue(f.Name, out var v)) result[f.Name] = v;
            else if (f.Default?.Invoke(ctx, values) is { } d) result[f.Name] = d;
            else if (f.Required && !map.Entries.Any(e => e.Key == f.Name && e.Value is not ScalarNode { IsNull: true }))
                ctx.Error(ReadContext.Join(path, f.Name), f.RequiredHint is null ? "is required" : $"is required: {f.RequiredHint}");
        }
        if (ctx.ErrorCount != before) return null;
        check?.Invoke(result, path, ctx);
        return ctx.ErrorCount == before ? result : null;
    }

    private string UnknownField(string key)
    {
        var names = fields.Select(f => f.Name).ToArray();
        var close = names.FirstOrDefault(n => string.Equals(n, key, StringComparison.OrdinalIgnoreCase));
        return close is not null
            ? $"unknown field \"{key}\" (did you mean \"{close}\"?)"
            : $"unknown field \"{key}\"; known fields: {string.Join(", ", names)}";
    }
}
