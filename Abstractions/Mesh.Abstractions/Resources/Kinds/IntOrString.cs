using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Abstractions.Resources.Kinds;

/// <summary>A port given as a number or a name (Kubernetes IntOrString).</summary>
[JsonConverter(typeof(IntOrStringConverter))]
public readonly record struct IntOrString(int? Number, string? Name)
{
    public static IntOrString Of(int n) => new(n, null);
    public static IntOrString Of(string name) => new(null, name);
    public bool IsNumber => Number is not null;
    public override string ToString() => Number?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Name ?? "";
}

internal sealed class IntOrStringConverter : JsonConverter<IntOrString>
{
    public override IntOrString Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Number ? IntOrString.Of(reader.GetInt32()) : IntOrString.Of(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, IntOrString value, JsonSerializerOptions options)
    {
        if (value.Number is { } n) writer.WriteNumberValue(n);
        else writer.WriteStringValue(value.Name);
    }
}
