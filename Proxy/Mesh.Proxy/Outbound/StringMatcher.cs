using System.Text.RegularExpressions;
using Mesh.Api.V1;
using MatchType = Mesh.Api.V1.MatchType;

namespace Mesh.Proxy.Outbound;

/// <summary>A compiled Gateway API string match (exact, segment-wise path prefix, or full-string regex).</summary>
internal sealed class StringMatcher
{
    private readonly MatchType _type;
    private readonly string _value;
    private readonly Regex? _regex;

    public StringMatcher(StringMatch match)
    {
        _type = match.Type;
        _value = match.Value;
        if (_type == MatchType.Regex)
            _regex = new Regex("^(?:" + match.Value + ")$", RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(50));
        else if (_type == MatchType.Prefix && _value.Length > 1 && _value.EndsWith('/'))
            _value = _value.TrimEnd('/');
    }

    public bool IsMatch(string input) => _type switch
    {
        MatchType.Exact => string.Equals(input, _value, StringComparison.Ordinal),
        MatchType.Prefix => IsPathPrefix(input, _value),
        MatchType.Regex => _regex!.IsMatch(input),
        _ => false,
    };

    /// <summary>Gateway API PathPrefix: "/a" matches "/a", "/a/" and "/a/b" but not "/ab".</summary>
    public static bool IsPathPrefix(string path, string prefix)
    {
        if (prefix.Length == 0 || prefix == "/") return true;
        if (!path.StartsWith(prefix, StringComparison.Ordinal)) return false;
        return path.Length == prefix.Length || path[prefix.Length] == '/';
    }
}
