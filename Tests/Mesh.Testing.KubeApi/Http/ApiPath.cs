namespace Mesh.Testing.KubeApi.Http;

/// <summary>A resource URL taken apart: <c>/api/v1[/watch][/namespaces/{ns}]/{resource}[/{name}[/{subresource}]]</c>
/// and the same under <c>/apis/{group}/{version}</c>. A path with no resource is a discovery request.</summary>
internal sealed record ApiPath(string Group, string Version, string? Namespace, string? Resource, string? Name, string? Subresource, bool WatchPrefix)
{
    public static ApiPath? Parse(string path)
    {
        var s = path.Trim('/').Split('/', StringSplitOptions.None);
        string group, version;
        int i;
        if (s.Length >= 2 && s[0] == "api") { group = ""; version = s[1]; i = 2; }
        else if (s.Length >= 3 && s[0] == "apis") { group = s[1]; version = s[2]; i = 3; }
        else return null;
        var rest = s[i..];
        if (rest.Any(string.IsNullOrEmpty)) return null;
        var watch = false;
        if (rest.Length > 0 && rest[0] == "watch") { watch = true; rest = rest[1..]; }
        string? ns = null;
        if (rest.Length >= 3 && rest[0] == "namespaces" && rest[2] is not ("status" or "finalize"))
        {
            ns = rest[1];
            rest = rest[2..];
        }
        if (rest.Length > 3) return null;
        return new ApiPath(group, version, ns, rest.ElementAtOrDefault(0), rest.ElementAtOrDefault(1), rest.ElementAtOrDefault(2), watch);
    }
}
