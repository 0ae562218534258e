using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources.Syntax;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>The expected form of a value: reads a <see cref="Node"/>, reports what is wrong with its path, and
/// returns the canonical JSON (defaults filled) or null when it had errors.</summary>
internal abstract class Shape
{
    public abstract JsonNode? Read(Node node, string path, ReadContext ctx);

    protected static ScalarNode? Scalar(Node node, string path, ReadContext ctx, string expected)
    {
        if (node is ScalarNode s) return s;
        ctx.Error(path, $"must be {expected}, not {(node is MappingNode ? "an object" : "a list")}");
        return null;
    }
}

/// <summary>A string; <c>check</c> returns what is wrong with a value, or null when it is fine. Unquoted numbers and
/// booleans are taken as their text (users write <c>retry.mesh.io/limit: 3</c>).</summary>
internal sealed class StringShape(Func<string, string?>? check = null) : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (Scalar(node, path, ctx, "a string") is not { } s) return null;
        if (check?.Invoke(s.Value) is { } problem) { ctx.Error(path, problem); return null; }
        return JsonValue.Create(s.Value);
    }
}

/// <summary>One of a fixed set of strings (case-sensitive, as Kubernetes enums are).</summary>
internal sealed class EnumShape(params string[] allowed) : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (Scalar(node, path, ctx, "a string") is not { } s) return null;
        if (Array.IndexOf(allowed, s.Value) >= 0) return JsonValue.Create(s.Value);
        var hint = allowed.FirstOrDefault(a => string.Equals(a, s.Value, StringComparison.OrdinalIgnoreCase));
        ctx.Error(path, $"must be one of {string.Join(", ", allowed)}, not \"{s.Value}\"" + (hint is null ? "" : $" (did you mean \"{hint}\"?)"));
        return null;
    }
}

/// <summary>An integer in [min, max]; a quoted number is an error, as in Kubernetes.</summary>
internal sealed class IntShape(long min, long max) : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (Scalar(node, path, ctx, "an integer") is not { } s) return null;
        if (!long.TryParse(s.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
        {
            ctx.Error(path, $"must be an integer {min}..{max}, not \"{s.Value}\"");
            return null;
        }
        if (!s.Plain)
        {
            ctx.Error(path, $"must be an integer, not the string \"{s.Value}\" (remove the quotes)");
            return null;
        }
        if (v < min || v > max) { ctx.Error(path, $"must be {min}..{max}"); return null; }
        return JsonValue.Create(v);
    }
}

internal sealed class BoolShape : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (Scalar(node, path, ctx, "true or false") is not { } s) return null;
        if (s.Plain && s.Value is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (s.Plain && s.Value is "false" or "False" or "FALSE") return JsonValue.Create(false);
        ctx.Error(path, $"must be true or false, not \"{s.Value}\"");
        return null;
    }
}

/// <summary>A port number or a port name (Kubernetes IntOrString): digits are a number in [1, 65535], anything
/// else must be a valid port name.</summary>
internal sealed class PortOrNameShape : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (Scalar(node, path, ctx, "a port number or name") is not { } s) return null;
        if (s.Value.Length > 0 && s.Value.All(char.IsAsciiDigit))
        {
            if (!int.TryParse(s.Value, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                ctx.Error(path, "must be a port 1..65535 or a port name");
                return null;
            }
            return JsonValue.Create(port);
        }
        if (Checks.PortName(s.Value) is { } problem) { ctx.Error(path, problem); return null; }
        return JsonValue.Create(s.Value);
    }
}

/// <summary>A list; items are read with <c>item</c>.</summary>
internal sealed class ListShape(Shape item, int min = 0, int max = int.MaxValue) : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (node is not SequenceNode seq) { ctx.Error(path, "must be a list"); return null; }
        var before = ctx.ErrorCount;
        if (seq.Items.Length < min) ctx.Error(path, min == 1 ? "must have at least one item" : $"must have at least {min} items");
        if (seq.Items.Length > max) ctx.Error(path, $"must have at most {max} items");
        var array = new JsonArray();
        for (var i = 0; i < seq.Items.Length; i++)
        {
            var itemPath = ReadContext.Index(path, i);
            if (seq.Items[i] is ScalarNode { IsNull: true }) { ctx.Error(itemPath, "must not be null"); continue; }
            if (item.Read(seq.Items[i], itemPath, ctx) is { } value) array.Add(value);
        }
        return ctx.ErrorCount == before ? array : null;
    }
}

/// <summary>A string-to-string map (labels, annotations, matchLabels); keys come out sorted so equal maps are equal text.</summary>
internal sealed class StringMapShape(Func<string, string?> keyCheck, Func<string, string?> valueCheck) : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (node is not MappingNode map) { ctx.Error(path, "must be a map of strings"); return null; }
        var before = ctx.ErrorCount;
        var sorted = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            var keyPath = ReadContext.Key(path, key);
            if (keyCheck(key) is { } keyProblem) { ctx.Error(keyPath, keyProblem); continue; }
            if (value is not ScalarNode s) { ctx.Error(keyPath, "must be a string"); continue; }
            var text = s.IsNull ? "" : s.Value;
            if (valueCheck(text) is { } valueProblem) { ctx.Error(keyPath, valueProblem); continue; }
            sorted[key] = text;
        }
        if (ctx.ErrorCount != before) return null;
        var result = new JsonObject();
        foreach (var (k, v) in sorted) result[k] = v;
        return result;
    }
}

/// <summary>Exactly one value, with a hint saying why (e.g. mesh routes attach to Services: group "").</summary>
internal sealed class ConstShape(string value, string hint) : Shape
{
    public override JsonNode? Read(Node node, string path, ReadContext ctx)
    {
        if (Scalar(node, path, ctx, "a string") is not { } s) return null;
        if (s.Value == value) return JsonValue.Create(value);
        ctx.Error(path, $"must be \"{value}\", not \"{s.Value}\": {hint}");
        return null;
    }
}
