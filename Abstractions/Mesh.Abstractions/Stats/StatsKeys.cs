namespace Mesh.Abstractions.Stats;

/// <summary>Keys of <see cref="IStatsGrain"/>s. A service: <c>svc:&lt;ns&gt;/&lt;name&gt;</c>. An edge (who calls whom):
/// <c>edge:&lt;source identity&gt;-&gt;&lt;destination&gt;</c>, where the source identity is the caller's SPIFFE id
/// (or <see cref="Unmeshed"/> for a caller without a proxy) and the destination is "ns/name" when the authority names a
/// Service, else the authority itself. SPIFFE ids never contain "->", so the key splits unambiguously.</summary>
public static class StatsKeys
{
    public const string ServicePrefix = "svc:";
    public const string EdgePrefix = "edge:";
    public const string Arrow = "->";
    /// <summary>Stands for the identity of a caller that has no proxy (plaintext, no client certificate).</summary>
    public const string Unmeshed = "unmeshed";

    public static string Service(string ns, string name) => $"{ServicePrefix}{ns}/{name}";

    public static string Edge(string sourceIdentity, string destination) =>
        $"{EdgePrefix}{(sourceIdentity.Length == 0 ? Unmeshed : sourceIdentity)}{Arrow}{destination}";

    public static bool TryParseService(string key, out string ns, out string name)
    {
        ns = name = "";
        if (!key.StartsWith(ServicePrefix, StringComparison.Ordinal)) return false;
        var rest = key[ServicePrefix.Length..];
        var slash = rest.IndexOf('/');
        if (slash <= 0 || slash == rest.Length - 1) return false;
        (ns, name) = (rest[..slash], rest[(slash + 1)..]);
        return true;
    }

    public static bool TryParseEdge(string key, out string sourceIdentity, out string destination)
    {
        sourceIdentity = destination = "";
        if (!key.StartsWith(EdgePrefix, StringComparison.Ordinal)) return false;
        var rest = key[EdgePrefix.Length..];
        var arrow = rest.IndexOf(Arrow, StringComparison.Ordinal);
        if (arrow <= 0 || arrow + Arrow.Length == rest.Length) return false;
        (sourceIdentity, destination) = (rest[..arrow], rest[(arrow + Arrow.Length)..]);
        return true;
    }
}
