using System.Text;
using System.Text.RegularExpressions;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Fuzz.Tests.Fuzzing;

namespace Mesh.Fuzz.Tests.Abstractions.Resources;

/// <summary>The oracle for resource text (what `mesh apply` and POST /api/v1/apply hand to <see cref="ResourceParser"/>):
/// parsing never throws; a rejected text has only errors with a document, a position or field path, and a message,
/// and yields nothing; an accepted text deserializes, derives views and re-renders to YAML that parses back the same.</summary>
internal static partial class ResourceTextTarget
{
    public static readonly byte[][] Tokens = Fuzzing.Mutator.Tokens(
        "{", "}", "[", "]", ": ", "- ", ", ", "\t", "&a ", "*a", "&a [x, *a, *a]", "!!str ", "!!binary ", "!custom ", "---\n", "...\n",
        "? ", "? [a, b]\n: c", "|\n", ">-\n", "'", "\"", "\"\\u0000\"", "\"\\uD800\"", "# c\n", "\n", "\r\n", "%YAML 1.2\n", "%TAG ! tag:x:\n",
        "<<: ", "~", "null", "true", "0x1F", "1e400", "-1", "65536", "9223372036854775808", "\u00a0", "\ufeff", "\u2028", "\ud83d\ude00",
        "apiVersion: v1\n", "kind: List\n", "kind: Service\n", "metadata: {name: x\n", "spec:\n", "items:\n- ", "port: ", "weight: ",
        "namespace: ", "name: ", "{\"a\": 1}", "[{}]", "\"apiVersion\": ");

    /// <summary>Seeds: the parser's golden inputs plus corpus/resources (JSON forms, syntax errors, edge cases).</summary>
    public static Fuzzing.Mutator Mutator() => new(Corpus.Load("resources", "testdata"), Tokens);

    public static void Check(byte[] bytes, string ns = "default")
    {
        var text = Encoding.UTF8.GetString(bytes);
        var result = ResourceParser.Parse(text, ns);
        if (!result.Ok)
        {
            if (!result.Resources.IsEmpty) throw new FuzzFailure("a rejected text yielded resources");
            var lines = Lines(text);
            foreach (var e in result.Errors)
            {
                if (e.Document < 0 || string.IsNullOrWhiteSpace(e.Path) || string.IsNullOrWhiteSpace(e.Message))
                    throw new FuzzFailure($"error without a place or a message: {e}");
                if (Position().Match(e.Path) is { Success: true } m &&
                    (int.Parse(m.Groups[1].Value) is var line && (line < 1 || line > lines + 1) || int.Parse(m.Groups[2].Value) < 1))
                    throw new FuzzFailure($"error position outside the text ({lines} lines): {e}");
            }
            return;
        }
        var stored = result.Resources.Select(r => new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 1)).ToList();
        foreach (var r in result.Resources) ResourceJson.Deserialize(r.Kind, r.CanonicalJson);
        foreach (var group in stored.GroupBy(r => r.Namespace))
            ViewJson.Serialize(MeshReconciler.Derive(group.Key, stored, ReconcileSettings.Default));
        // What `mesh get -o yaml` prints must apply again unchanged.
        foreach (var r in result.Resources)
        {
            var again = ResourceParser.Parse(ResourceYaml.Render(r.CanonicalJson), ns);
            if (!again.Ok || again.Resources.Length != 1 || again.Resources[0].CanonicalJson != r.CanonicalJson)
                throw new FuzzFailure($"{r.Kind} {r.Namespace}/{r.Name} does not round-trip through YAML: " +
                                      (again.Ok ? again.Resources.FirstOrDefault()?.CanonicalJson : string.Join("; ", again.Errors)));
        }
    }

    /// <summary>Lines as YAML counts them (and editors show them): breaks are \r\n, \n, \r, NEL, LS and PS.</summary>
    private static int Lines(string text)
    {
        var lines = 1;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
            if (text[i] is '\n' or '\r' or '\u0085' or '\u2028' or '\u2029') lines++;
        }
        return lines;
    }

    [GeneratedRegex(@"^line (-?\d+), column (-?\d+)$")]
    private static partial Regex Position();
}
