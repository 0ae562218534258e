using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Admin.Contract;

/// <summary>An enum-valued field kept as its name: writes the string, reads a string or the member number older silos
/// wrote (as its decimal text; readers map both).</summary>
public sealed class EnumNameConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => reader.GetInt64().ToString(CultureInfo.InvariantCulture),
        JsonTokenType.Null => null,
        _ => throw new JsonException($"expected a name or a number, got {reader.TokenType}"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override bool HandleNull => false;
}
