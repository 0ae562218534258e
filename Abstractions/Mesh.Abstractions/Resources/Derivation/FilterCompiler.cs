using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Turns Gateway API filters into <see cref="FilterView"/>s, keeping their order.</summary>
internal static class FilterCompiler
{
    public static ImmutableArray<FilterView> Compile(ImmutableArray<RouteFilter> filters) =>
        [.. filters.Select(Compile).OfType<FilterView>()];

    private static FilterView? Compile(RouteFilter f) => f.Type switch
    {
        "RequestHeaderModifier" when f.RequestHeaderModifier is { } m => new(FilterKind.RequestHeaderModifier, Modifier(m), null, null),
        "ResponseHeaderModifier" when f.ResponseHeaderModifier is { } m => new(FilterKind.ResponseHeaderModifier, Modifier(m), null, null),
        "RequestRedirect" when f.RequestRedirect is { } r => new(FilterKind.RequestRedirect, null,
            new RedirectView(r.Scheme, r.Hostname, r.Path?.ReplaceFullPath, r.Port, r.StatusCode, r.Path?.ReplacePrefixMatch), null),
        "URLRewrite" when f.UrlRewrite is { } u => new(FilterKind.UrlRewrite, null, null,
            new UrlRewriteView(u.Hostname, u.Path?.ReplaceFullPath, u.Path?.ReplacePrefixMatch)),
        _ => null,
    };

    private static HeaderModifierView Modifier(HeaderModifier m) => new(
        Headers(m.Set), Headers(m.Add), m.Remove);

    private static ImmutableDictionary<string, string> Headers(ImmutableArray<HttpHeader> headers)
    {
        var b = ImmutableDictionary.CreateBuilder<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in headers) b[h.Name] = h.Value;
        return b.ToImmutable();
    }
}
