using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources.Derivation;
using static Mesh.Abstractions.Resources.Validation.S;

namespace Mesh.Abstractions.Resources.Validation;

/// <summary>Shapes shared by several kinds: metadata, label selectors, policy references.</summary>
internal static class CommonSchema
{
    public const string PolicyGroup = "policy.mesh.io";

    /// <summary>metadata: name (checked by <paramref name="nameCheck"/>), namespace (defaults to the parser's),
    /// labels, annotations (mesh annotations checked for <paramref name="kind"/>), creationTimestamp.</summary>
    public static ObjectShape Metadata(string kind, Func<string, string?> nameCheck) => Obj(
        [
            Req("name", Str(nameCheck)),
            Def("namespace", Str(Checks.Dns1123Label), (ctx, _) => JsonValue.Create(ctx.DefaultNamespace)),
            F("labels", Labels),
            F("annotations", Annotations),
            F("creationTimestamp", Str(s => DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out _)
                ? null : $"\"{s}\" is not an RFC 3339 time such as 2024-05-01T10:00:00Z")),
        ],
        (obj, path, ctx) =>
        {
            if (obj["annotations"] is not JsonObject annotations) return;
            var pairs = annotations.Select(p => new KeyValuePair<string, string>(p.Key, p.Value!.GetValue<string>()));
            foreach (var (key, problem) in AnnotationReader.Validate(kind, pairs))
                ctx.Error(ReadContext.Key(ReadContext.Join(path, "annotations"), key), problem);
        });

    public static readonly ObjectShape LabelSelector = Obj(
        F("matchLabels", Labels),
        F("matchExpressions", List(Obj(
            [
                Req("key", Str(Checks.QualifiedKey)),
                Req("operator", Enum("In", "NotIn", "Exists", "DoesNotExist")),
                F("values", List(Str(Checks.LabelValue))),
            ],
            (obj, path, ctx) =>
            {
                var op = Text(obj, "operator");
                var count = (obj["values"] as JsonArray)?.Count ?? 0;
                if (op is "In" or "NotIn" && count == 0)
                    ctx.Error(ReadContext.Join(path, "values"), $"must not be empty when operator is {op}");
                if (op is "Exists" or "DoesNotExist" && count > 0)
                    ctx.Error(ReadContext.Join(path, "values"), $"must be empty when operator is {op}");
            }))));

    /// <summary>A reference {group, kind, name, namespace}; <paramref name="allowed"/> lists the (group, kind) pairs
    /// this field may name.</summary>
    public static ObjectShape Ref(params (string Group, string Kind)[] allowed) => Obj(
        [
            Def("group", Str(), JsonValue.Create("")),
            Req("kind", Str(Checks.NonEmpty)),
            Req("name", Str(Checks.Dns1123Subdomain)),
            F("namespace", Str(Checks.Dns1123Label)),
        ],
        (obj, path, ctx) =>
        {
            var group = Text(obj, "group")!;
            var kind = Text(obj, "kind")!;
            if (allowed.Any(a => a.Group == group && a.Kind == kind)) return;
            var byKind = allowed.FirstOrDefault(a => a.Kind == kind);
            if (byKind.Kind is not null)
                ctx.Error(ReadContext.Join(path, "group"), $"a {kind} reference must have group \"{byKind.Group}\", not \"{group}\"");
            else
                ctx.Error(ReadContext.Join(path, "kind"), $"must be one of {string.Join(", ", allowed.Select(a => a.Kind))}, not \"{kind}\"");
        });
}
