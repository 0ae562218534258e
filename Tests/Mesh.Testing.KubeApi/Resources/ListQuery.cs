using Microsoft.AspNetCore.Http;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Selectors;

namespace Mesh.Testing.KubeApi.Resources;

/// <summary>The list and watch query parameters, parsed and checked against each other as the API server does.</summary>
public sealed record ListQuery(
    LabelSelector Labels,
    FieldSelector Fields,
    long Limit,
    string? Continue,
    string? ResourceVersion,
    string? ResourceVersionMatch,
    bool AllowWatchBookmarks,
    bool? SendInitialEvents,
    int? TimeoutSeconds)
{
    public static Outcome<ListQuery> Parse(IQueryCollection q, IReadOnlySet<string>? fieldLabels = null)
    {
        var labels = LabelSelector.Parse(q["labelSelector"]);
        if (!labels.Ok) return labels.Error!;
        var fields = FieldSelector.Parse(q["fieldSelector"], fieldLabels);
        if (!fields.Ok) return fields.Error!;
        long limit = 0;
        if (q.TryGetValue("limit", out var l) && !string.IsNullOrEmpty(l) && (!long.TryParse(l, out limit) || limit < 0))
            return ApiError.BadRequest($"limit: Invalid value: \"{l}\": must be a non-negative integer");
        int? timeout = null;
        if (q.TryGetValue("timeoutSeconds", out var t) && !string.IsNullOrEmpty(t))
        {
            if (!int.TryParse(t, out var ts) || ts < 0) return ApiError.BadRequest($"timeoutSeconds: Invalid value: \"{t}\": must be a non-negative integer");
            timeout = ts;
        }
        var rv = q.TryGetValue("resourceVersion", out var r) ? (string?)r : null;
        if (!string.IsNullOrEmpty(rv) && (!long.TryParse(rv, out var n) || n < 0))
            return ApiError.BadRequest($"invalid resource version \"{rv}\"");
        var match = q.TryGetValue("resourceVersionMatch", out var m) ? (string?)m : null;
        if (!string.IsNullOrEmpty(match) && match is not ("Exact" or "NotOlderThan"))
            return ApiError.BadRequest($"resourceVersionMatch: Unsupported value: \"{match}\": supported values: \"Exact\", \"NotOlderThan\"");
        bool? sendInitial = null;
        if (q.TryGetValue("sendInitialEvents", out var s) && !string.IsNullOrEmpty(s))
        {
            if (!bool.TryParse(s, out var sb)) return ApiError.BadRequest($"sendInitialEvents: Invalid value: \"{s}\"");
            sendInitial = sb;
        }
        return new ListQuery(labels.Value!, fields.Value!, limit, NullIfEmpty(q["continue"]), NullIfEmpty(rv), NullIfEmpty(match),
            Flag(q, "allowWatchBookmarks"), sendInitial, timeout);
    }

    public static bool Flag(IQueryCollection q, string name) =>
        q.TryGetValue(name, out var v) && (v == "true" || v == "1" || v == "True");

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
