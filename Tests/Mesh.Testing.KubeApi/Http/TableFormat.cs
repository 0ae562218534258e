using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>Server-side printing (<c>Accept: application/json;as=Table;v=v1;g=meta.k8s.io</c>, what <c>kubectl get</c>
/// asks for): a meta.k8s.io/v1 Table with the default columns every resource without a custom printer has — Name and
/// Age — and each row's object as PartialObjectMetadata (or the whole object with <c>includeObject=Object</c>).
/// Real servers print kind-specific columns for built-in kinds; this fake prints the generic two for all.</summary>
internal static class TableFormat
{
    public static bool Wanted(HttpRequest request) => AcceptHeader.Offers(request, "as=Table", "g=meta.k8s.io");

    public static JsonObject FromList(JsonObject list, HttpRequest request, DateTimeOffset now)
    {
        var meta = list["metadata"]?.DeepClone() ?? new JsonObject();
        var rows = new JsonArray(((list["items"] as JsonArray) ?? []).OfType<JsonObject>().Select(i => (JsonNode?)Row(i, request, now)).ToArray());
        return Table(meta, rows);
    }

    public static JsonObject FromObject(JsonObject obj, HttpRequest request, DateTimeOffset now) =>
        Table(new JsonObject { ["resourceVersion"] = obj["metadata"]?["resourceVersion"]?.DeepClone() }, new JsonArray(Row(obj, request, now)));

    private static JsonObject Table(JsonNode meta, JsonArray rows) => new()
    {
        ["kind"] = "Table",
        ["apiVersion"] = "meta.k8s.io/v1",
        ["metadata"] = meta,
        ["columnDefinitions"] = new JsonArray(
            Column("Name", "string", "name", "Name must be unique within a namespace."),
            Column("Age", "string", "", "CreationTimestamp is a timestamp representing the server time when this object was created.")),
        ["rows"] = rows,
    };

    private static JsonObject Column(string name, string type, string format, string description) => new()
    {
        ["name"] = name, ["type"] = type, ["format"] = format, ["description"] = description, ["priority"] = 0,
    };

    private static JsonObject Row(JsonObject obj, HttpRequest request, DateTimeOffset now)
    {
        var include = request.Query["includeObject"].ToString();
        var row = new JsonObject { ["cells"] = new JsonArray(JsonText.Name(obj), Age(JsonText.Str(obj["metadata"]?["creationTimestamp"]), now)) };
        if (include == "Object") row["object"] = obj.DeepClone();
        else if (include != "None")
            row["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = obj["metadata"]?.DeepClone() };
        return row;
    }

    /// <summary>The API server's short age format (<c>45s</c>, <c>12m</c>, <c>5h</c>, <c>3d</c>, <c>2y</c>).</summary>
    private static string Age(string? created, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t)) return "<unknown>";
        var d = now - t;
        if (d < TimeSpan.Zero) d = TimeSpan.Zero;
        return d.TotalSeconds < 120 ? $"{(int)d.TotalSeconds}s"
            : d.TotalMinutes < 120 ? $"{(int)d.TotalMinutes}m"
            : d.TotalHours < 48 ? $"{(int)d.TotalHours}h"
            : d.TotalDays < 730 ? $"{(int)d.TotalDays}d"
            : $"{(int)(d.TotalDays / 365)}y";
    }
}
