using System.Net.Http.Headers;

namespace Mesh.Proxy.Transport;

/// <summary>Several field lines of one request field name cross a hop as one line with the values joined by ","
/// (RFC 9110 §5.3: a recipient may combine them so, and the meaning is the same; gRPC's HTTP/2 mapping says the same of
/// repeated metadata). HttpClient would join them with ", " itself, and a value read back joined by "," — what Go's
/// http.Header, Kestrel's StringValues and the Gateway API conformance echo server all produce for separate lines —
/// would then differ from what the client sent. `Cookie` keeps HttpClient's own "; " join.</summary>
internal static class RepeatedFields
{
    public static void JoinWithComma(HttpRequestHeaders headers)
    {
        List<(string Name, string Value)>? joined = null;
        foreach (var (name, values) in headers.NonValidated)
        {
            if (values.Count < 2 || name.Equals("cookie", StringComparison.OrdinalIgnoreCase)) continue;
            (joined ??= []).Add((name, string.Join(',', values)));
        }
        if (joined is null) return;
        foreach (var (name, value) in joined)
        {
            headers.Remove(name);
            headers.TryAddWithoutValidation(name, value);
        }
    }
}
