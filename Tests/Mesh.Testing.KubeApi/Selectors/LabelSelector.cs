using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Mesh.Testing.KubeApi.Http;

namespace Mesh.Testing.KubeApi.Selectors;

/// <summary>A parsed <c>labelSelector</c>: comma-separated requirements (<c>=</c>, <c>==</c>, <c>!=</c>, <c>in</c>,
/// <c>notin</c>, exists, <c>!</c>exists, <c>&gt;</c>, <c>&lt;</c>) with the apimachinery grammar and key/value validation.</summary>
public sealed partial class LabelSelector
{
    private enum Op { Exists, DoesNotExist, Equals, NotEquals, In, NotIn, GreaterThan, LessThan }

    private sealed record Requirement(string Key, Op Op, string[] Values);

    private readonly List<Requirement> _requirements;

    private LabelSelector(List<Requirement> requirements) => _requirements = requirements;

    public static readonly LabelSelector Everything = new([]);

    public bool Matches(JsonObject? labels)
    {
        foreach (var r in _requirements)
        {
            var value = labels is not null && labels.TryGetPropertyValue(r.Key, out var node) ? Store.JsonText.Str(node) : null;
            var has = value is not null;
            var ok = r.Op switch
            {
                Op.Exists => has,
                Op.DoesNotExist => !has,
                Op.Equals => has && value == r.Values[0],
                Op.NotEquals => !has || value != r.Values[0],
                Op.In => has && r.Values.Contains(value),
                Op.NotIn => !has || !r.Values.Contains(value),
                Op.GreaterThan => has && long.TryParse(value, out var g) && g > long.Parse(r.Values[0]),
                Op.LessThan => has && long.TryParse(value, out var l) && l < long.Parse(r.Values[0]),
                _ => false,
            };
            if (!ok) return false;
        }
        return true;
    }

    public static Outcome<LabelSelector> Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return Everything;
        var tokens = Tokenize(text);
        var requirements = new List<Requirement>();
        var i = 0;
        while (true)
        {
            var r = ParseRequirement(tokens, ref i);
            if (!r.Ok) return r.Error!;
            requirements.Add(r.Value!);
            if (i >= tokens.Count) break;
            if (tokens[i] != ",") return Fail($"found '{tokens[i]}', expected: ',' or 'end of string'");
            i++;
            if (i >= tokens.Count) return Fail("found '', expected: identifier after ','");
        }
        return new LabelSelector(requirements);
    }

    private static Outcome<Requirement> ParseRequirement(List<string> t, ref int i)
    {
        if (t[i] == "!")
        {
            i++;
            if (i >= t.Count || IsSymbol(t[i])) return Fail("found '" + (i < t.Count ? t[i] : "") + "', expected: identifier after '!'");
            var key = t[i++];
            var kerr = ValidateKey(key);
            if (kerr is not null) return kerr;
            return new Requirement(key, Op.DoesNotExist, []);
        }
        if (IsSymbol(t[i])) return Fail($"found '{t[i]}', expected: !, identifier, or 'end of string'");
        var k = t[i++];
        var keyError = ValidateKey(k);
        if (keyError is not null) return keyError;
        if (i >= t.Count || t[i] == ",") return new Requirement(k, Op.Exists, []);
        var op = t[i++];
        switch (op)
        {
            case "=" or "==" or "!=":
            {
                var value = "";
                if (i < t.Count && !IsSymbol(t[i])) value = t[i++];
                var verr = ValidateValue(k, value);
                if (verr is not null) return verr;
                return new Requirement(k, op == "!=" ? Op.NotEquals : Op.Equals, [value]);
            }
            case ">" or "<":
            {
                if (i >= t.Count || IsSymbol(t[i]) || !long.TryParse(t[i], out _))
                    return Fail($"for 'Gt', 'Lt' operators, exactly one value is required (an integer)");
                return new Requirement(k, op == ">" ? Op.GreaterThan : Op.LessThan, [t[i++]]);
            }
            case "in" or "notin":
            {
                if (i >= t.Count || t[i] != "(") return Fail($"found '{(i < t.Count ? t[i] : "")}', expected: '('");
                i++;
                var values = new List<string>();
                while (true)
                {
                    if (i >= t.Count) return Fail("found '', expected: ')'");
                    if (t[i] == ")") { i++; break; }
                    if (t[i] == ",") { i++; continue; }
                    if (IsSymbol(t[i])) return Fail($"found '{t[i]}', expected: ',', ')' or identifier");
                    var verr = ValidateValue(k, t[i]);
                    if (verr is not null) return verr;
                    values.Add(t[i++]);
                }
                if (values.Count == 0) return Fail("for 'in', 'notin' operators, values set can't be empty");
                return new Requirement(k, op == "in" ? Op.In : Op.NotIn, [.. values]);
            }
            default:
                return Fail($"found '{op}', expected: in, notin, =, ==, !=, gt, lt");
        }
    }

    private static bool IsSymbol(string token) => token is "!" or "=" or "==" or "!=" or "," or "(" or ")" or ">" or "<";

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '!' && i + 1 < text.Length && text[i + 1] == '=') { tokens.Add("!="); i += 2; continue; }
            if (c == '=' && i + 1 < text.Length && text[i + 1] == '=') { tokens.Add("=="); i += 2; continue; }
            if (c is '!' or '=' or ',' or '(' or ')' or '>' or '<') { tokens.Add(c.ToString()); i++; continue; }
            var start = i;
            while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('!' or '=' or ',' or '(' or ')' or '>' or '<')) i++;
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    [GeneratedRegex("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();

    private static ApiError? ValidateKey(string key)
    {
        var slash = key.IndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0)
        {
            var prefix = key[..slash];
            if (prefix.Length == 0 || prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix))
                return Fail($"key: Invalid value: \"{key}\": prefix part must be a valid DNS subdomain");
        }
        if (name.Length == 0 || name.Length > 63 || !QualifiedName().IsMatch(name))
            return Fail($"key: Invalid value: \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        return null;
    }

    private static ApiError? ValidateValue(string key, string value)
    {
        if (value.Length == 0) return null;
        if (value.Length > 63 || !QualifiedName().IsMatch(value))
            return Fail($"values[0][{key}]: Invalid value: \"{value}\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character");
        return null;
    }

    private static ApiError Fail(string why) => ApiError.BadRequest($"unable to parse requirement: {why}");
}
