using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Mesh.Cli.Output;

/// <summary>Renders JSON as block-style YAML. Strings that YAML would read as something else ("8080", "true", "")
/// are quoted, so the YAML means exactly what the JSON meant and can be applied again.</summary>
internal static class YamlRenderer
{
    /// <summary>One YAML document (no leading "---").</summary>
    public static string Render(JsonNode? node)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(writer);
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart(null, null, isImplicit: true));
        Emit(emitter, node);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    /// <summary>Several documents separated by "---", as `mesh apply -f` reads them.</summary>
    public static string RenderDocuments(IEnumerable<JsonNode?> nodes) =>
        string.Join("---\n", nodes.Select(Render));

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonObject obj:
                emitter.Emit(new MappingStart(null, null, true, obj.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in obj)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }
                emitter.Emit(new MappingEnd());
                break;
            case JsonArray array:
                emitter.Emit(new SequenceStart(null, null, true, array.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in array)
                    Emit(emitter, item);
                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue value:
                EmitValue(emitter, value);
                break;
        }
    }

    private static void EmitValue(IEmitter emitter, JsonValue value)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String:
                EmitString(emitter, value.GetValue<string>());
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                emitter.Emit(new Scalar(null, null, value.GetValue<bool>() ? "true" : "false", ScalarStyle.Plain, true, false));
                break;
            case JsonValueKind.Null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            default:
                // Numbers keep their JSON spelling.
                emitter.Emit(new Scalar(null, null, value.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string text)
    {
        var style = NeedsQuotes(text) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        emitter.Emit(new Scalar(null, null, text, style, true, true));
    }

    /// <summary>True when a plain scalar would be read back as a non-string (YAML 1.1 and 1.2 core schemas).</summary>
    private static bool NeedsQuotes(string text)
    {
        if (text.Length == 0 || text.Trim() != text)
            return true;
        switch (text.ToLowerInvariant())
        {
            case "null" or "~" or "true" or "false" or "yes" or "no" or "on" or "off" or "y" or "n" or ".nan" or ".inf" or "-.inf" or "+.inf":
                return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            return true;
        // 0x1F, 0o17, 1_000, 12:30 (sexagesimal in YAML 1.1)
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.StartsWith("0o", StringComparison.OrdinalIgnoreCase)
            || (char.IsDigit(text[0]) && (text.Contains('_') || text.Contains(':')));
    }
}
