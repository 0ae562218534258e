using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>Multi-document YAML → JSON as the API server reads it: YAML 1.2 core typing for plain scalars (true,
/// false, null, integers, floats), quoted scalars stay strings, a repeated key is an error (strict, as kubectl is).
/// Also linked into Mesh.Cli.Tests.</summary>
internal static class YamlJson
{
    /// <summary>Every non-empty document; throws <see cref="YamlException"/> on a syntax error or a duplicate key.</summary>
    public static List<JsonObject> Documents(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var documents = new List<JsonObject>();
        foreach (var document in stream.Documents)
        {
            if (document.RootNode is YamlScalarNode { Value: null or "" }) continue;
            var root = Convert(document.RootNode) as JsonObject
                ?? throw new YamlException(document.RootNode.Start, document.RootNode.End, "a document is not a mapping");
            // Through JSON text, so numbers read as any numeric type (as after a round trip through an API server).
            documents.Add(JsonNode.Parse(root.ToJsonString())!.AsObject());
        }
        return documents;
    }

    private static JsonNode? Convert(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    var name = ((YamlScalarNode)key).Value ?? "";
                    if (obj.ContainsKey(name)) throw new YamlException(key.Start, key.End, $"duplicate key '{name}'");
                    obj[name] = Convert(value);
                }
                return obj;
            case YamlSequenceNode seq:
                return new JsonArray([.. seq.Children.Select(Convert)]);
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new YamlException(node.Start, node.End, $"unexpected YAML node {node.NodeType}");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode s)
    {
        var text = s.Value ?? "";
        if (s.Style is not ScalarStyle.Plain) return JsonValue.Create(text);
        if (text is "" or "null" or "Null" or "NULL" or "~") return null;
        if (text is "true" or "True" or "TRUE") return JsonValue.Create(true);
        if (text is "false" or "False" or "FALSE") return JsonValue.Create(false);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return JsonValue.Create(l);
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && text.Any(char.IsAsciiDigit) && !text.Contains(':'))
            return JsonValue.Create(d);
        return JsonValue.Create(text);
    }
}
