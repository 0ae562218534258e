using System.Text;
using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;

namespace Mesh.Testing.KubeApi.Selectors;

/// <summary>A parsed <c>fieldSelector</c> over the fields every kind supports (<c>metadata.name</c>,
/// <c>metadata.namespace</c>) and the kind's own field labels, with <c>=</c>, <c>==</c>, <c>!=</c> (backslash escapes as
/// in apimachinery). A field's value is its string, <c>true</c>/<c>false</c>, its number, or "" when absent.</summary>
public sealed class FieldSelector
{
    private sealed record Term(string Field, bool Equal, string Value);

    private readonly List<Term> _terms;

    private FieldSelector(List<Term> terms) => _terms = terms;

    public static readonly FieldSelector Everything = new([]);

    /// <summary>The name this selector pins with <c>metadata.name=</c>, if any (kubectl uses it to watch one object).</summary>
    public string? PinnedName => _terms.FirstOrDefault(t => t.Field == "metadata.name" && t.Equal)?.Value;

    public bool Matches(JsonObject obj)
    {
        foreach (var t in _terms)
        {
            var actual = Value(obj, t.Field);
            if ((actual == t.Value) != t.Equal) return false;
        }
        return true;
    }

    private static string Value(JsonObject obj, string field)
    {
        JsonNode? node = obj;
        foreach (var part in field.Split('.')) node = node is JsonObject o ? o[part] : null;
        return node switch
        {
            null => "",
            JsonValue v when Store.JsonText.Str(v) is { } s => s,
            JsonValue v => v.ToJsonString(),
            _ => "",
        };
    }

    public static Outcome<FieldSelector> Parse(string? text, IReadOnlySet<string>? fieldLabels = null)
    {
        if (string.IsNullOrEmpty(text)) return Everything;
        var terms = new List<Term>();
        foreach (var part in SplitUnescaped(text, ','))
        {
            if (part.Length == 0) continue;
            var (field, op, value) = SplitTerm(part);
            if (op is null) return ApiError.BadRequest($"invalid selector: '{text}'; can't understand '{part}'");
            if (field is not ("metadata.name" or "metadata.namespace") && fieldLabels?.Contains(field) != true)
                return ApiError.BadRequest($"field label not supported: {field}");
            var unescaped = Unescape(value);
            if (unescaped is null) return ApiError.BadRequest($"invalid selector: '{text}'; invalid escape sequence in '{value}'");
            terms.Add(new Term(field, op != "!=", unescaped));
        }
        return new FieldSelector(terms);
    }

    private static (string Field, string? Op, string Value) SplitTerm(string term)
    {
        for (var i = 0; i < term.Length; i++)
        {
            if (term[i] == '\\') { i++; continue; }
            if (term[i] == '!' && i + 1 < term.Length && term[i + 1] == '=') return (term[..i], "!=", term[(i + 2)..]);
            if (term[i] == '=' && i + 1 < term.Length && term[i + 1] == '=') return (term[..i], "==", term[(i + 2)..]);
            if (term[i] == '=') return (term[..i], "=", term[(i + 1)..]);
        }
        return (term, null, "");
    }

    private static IEnumerable<string> SplitUnescaped(string text, char separator)
    {
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\') { i++; continue; }
            if (text[i] == separator) { yield return text[start..i]; start = i + 1; }
        }
        yield return text[start..];
    }

    private static string? Unescape(string value)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] != '\\') { sb.Append(value[i]); continue; }
            if (i + 1 >= value.Length || value[i + 1] is not ('\\' or ',' or '=' or '!')) return null;
            sb.Append(value[++i]);
        }
        return sb.ToString();
    }
}
