namespace Mesh.Names;

/// <summary>An RFC 1123 DNS label as Kubernetes names namespaces and services: 1..63 of a-z, 0-9 and '-', neither
/// starting nor ending with '-'. Lowercase only: callers that accept any case lower it first.</summary>
public static class DnsLabel
{
    public const int MaxLength = 63;

    public static bool IsValid(ReadOnlySpan<char> label)
    {
        if (label.Length is 0 or > MaxLength || label[0] == '-' || label[^1] == '-') return false;
        foreach (var c in label)
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-')) return false;
        return true;
    }

    /// <summary>ASCII letters lowered, everything else kept (DNS is case-insensitive in ASCII only; a non-ASCII
    /// character that Unicode would fold to a letter, such as the Kelvin sign, stays and fails <see cref="IsValid"/>).</summary>
    public static string LowerAscii(string text)
    {
        var i = 0;
        while (i < text.Length && !char.IsAsciiLetterUpper(text[i])) i++;
        if (i == text.Length) return text;
        return string.Create(text.Length, text, static (span, s) =>
        {
            for (var j = 0; j < s.Length; j++) span[j] = char.IsAsciiLetterUpper(s[j]) ? (char)(s[j] | 0x20) : s[j];
        });
    }
}
