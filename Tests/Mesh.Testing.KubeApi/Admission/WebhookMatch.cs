using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Seams;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Admission;

/// <summary>Whether one webhook of a MutatingWebhookConfiguration applies to a write, as the API server decides it:
/// a rule (apiGroups × apiVersions × operations × resources, with "*", "*/*", "pods/*" and "pods/status" forms, and scope)
/// matches, and the namespaceSelector (the namespace's labels; a Namespace object's own) and the objectSelector (the
/// object's labels, new or old) both match. Selectors are metav1.LabelSelector objects (matchLabels, matchExpressions
/// with In, NotIn, Exists, DoesNotExist); a missing or empty selector matches everything.</summary>
internal static class WebhookMatch
{
    public static bool Rules(JsonObject webhook, AdmissionAttributes a)
    {
        if (webhook["rules"] is not JsonArray rules) return false;
        foreach (var rule in rules.OfType<JsonObject>())
        {
            if (!Any(rule["apiGroups"], a.Kind.Group) || !Any(rule["apiVersions"], a.Kind.Version) || !Any(rule["operations"], a.Operation)) continue;
            if (!Resource(rule["resources"], a.Kind.Resource, a.Subresource)) continue;
            var scope = JsonText.Str(rule["scope"]) ?? "*";
            if (scope == "Cluster" && a.Kind.Namespaced || scope == "Namespaced" && !a.Kind.Namespaced) continue;
            return true;
        }
        return false;
    }

    private static bool Any(JsonNode? list, string value) =>
        list is JsonArray items && items.Select(JsonText.Str).Any(v => v == "*" || v == value);

    private static bool Resource(JsonNode? list, string resource, string subresource)
    {
        if (list is not JsonArray items) return false;
        foreach (var entry in items.Select(JsonText.Str).OfType<string>())
        {
            var slash = entry.IndexOf('/');
            var (r, s) = slash < 0 ? (entry, "") : (entry[..slash], entry[(slash + 1)..]);
            if ((r == "*" || r == resource) && (s == subresource || s == "*" && subresource.Length > 0 || entry == "*/*")) return true;
        }
        return false;
    }

    /// <summary>metav1.LabelSelector against a label map; a selector that is not an object, or an operator that is not
    /// one of the four, matches nothing (the real server rejects such a configuration when it is written).</summary>
    public static bool Selector(JsonNode? selector, JsonObject? labels)
    {
        if (selector is null) return true;
        if (selector is not JsonObject s) return false;
        string? Label(string key) => labels?[key] is { } v ? JsonText.Str(v) : null;
        if (s["matchLabels"] is JsonObject match)
            foreach (var (k, v) in match)
                if (Label(k) != JsonText.Str(v)) return false;
        if (s["matchExpressions"] is JsonArray expressions)
            foreach (var e in expressions)
            {
                var key = JsonText.Str(e?["key"]) ?? "";
                var values = (e?["values"] as JsonArray)?.Select(JsonText.Str).ToList() ?? [];
                var has = labels?.ContainsKey(key) == true;
                var ok = JsonText.Str(e?["operator"]) switch
                {
                    "In" => has && values.Contains(Label(key)),
                    "NotIn" => !has || !values.Contains(Label(key)),
                    "Exists" => has,
                    "DoesNotExist" => !has,
                    _ => false,
                };
                if (!ok) return false;
            }
        return true;
    }
}
