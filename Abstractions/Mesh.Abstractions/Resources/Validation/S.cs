using System.Text.Json.Nodes;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>Short constructors so each schema reads like the CRD it mirrors.</summary>
internal static class S
{
    public static Field F(string name, Shape shape) => new(name, shape);
    public static Field Req(string name, Shape shape) => new(name, shape, Required: true);
    public static Field Def(string name, Shape shape, JsonNode value) => new(name, shape, Default: (_, _) => value.DeepClone());
    public static Field Def(string name, Shape shape, Func<ReadContext, IReadOnlyDictionary<string, JsonNode>, JsonNode?> value) =>
        new(name, shape, Default: value);

    public static ObjectShape Obj(params Field[] fields) => new(fields);
    public static ObjectShape Obj(Field[] fields, Action<JsonObject, string, ReadContext> check) => new(fields, check);
    public static ListShape List(Shape item, int min = 0, int max = int.MaxValue) => new(item, min, max);
    public static StringShape Str(Func<string, string?>? check = null) => new(check);
    public static StringShape Str(int maxLength) => new(s => Checks.NonEmpty(s) ?? Checks.MaxLength(s, maxLength));
    public static EnumShape Enum(params string[] values) => new(values);
    public static IntShape Int(long min, long max) => new(min, max);
    public static readonly IntShape Port = new(1, 65535);
    public static readonly BoolShape Bool = new();
    public static readonly PortOrNameShape PortOrName = new();
    public static readonly StringMapShape Labels = new(Checks.QualifiedKey, Checks.LabelValue);
    public static readonly StringMapShape Annotations = new(Checks.QualifiedKey, Checks.AnnotationValue);

    /// <summary>Errors on items of a list whose key (from <c>key</c>) repeats an earlier item's.</summary>
    public static void Unique(JsonObject obj, string listField, Func<JsonNode, string?> key, string path, ReadContext ctx, string what)
    {
        if (obj[listField] is not JsonArray items) return;
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < items.Count; i++)
        {
            if (key(items[i]!) is not { } k) continue;
            if (seen.TryGetValue(k, out var first))
                ctx.Error(ReadContext.Index(ReadContext.Join(path, listField), i), $"duplicate {what} \"{k}\" (also in {listField}[{first}])");
            else seen[k] = i;
        }
    }

    public static string? Text(JsonNode? node, string field) => node?[field]?.GetValue<string>();
}
