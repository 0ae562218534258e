namespace Mesh.Abstractions;

/// <summary>Names and defaults shared by every component.</summary>
public static class MeshNames
{
    public const string DefaultNamespace = Names.NameDefaults.Namespace;
    /// <summary>Key of the single <see cref="Grains.IStateIncarnationGrain"/>.</summary>
    public const string StateIncarnationKey = "mesh";
    public const string DefaultClusterDomain = Names.NameDefaults.ClusterDomain;
    public const string DefaultTrustDomain = Names.NameDefaults.TrustDomain;

    /// <summary>Orleans storage provider for grain state.</summary>
    public const string StateStore = "mesh";
    /// <summary>Orleans stream provider carrying grain updates.</summary>
    public const string StreamProvider = "mesh";
    /// <summary>Orleans storage for stream subscriptions.</summary>
    public const string PubSubStore = "PubSubStore";

    /// <summary>Grain key of namespaced things: "&lt;ns&gt;/&lt;name&gt;".</summary>
    public static string Key(string ns, string name) => $"{ns}/{name}";

    /// <summary>Grain key of the GAMMA consumer routes that namespace <paramref name="consumerNs"/> attaches to Service
    /// <paramref name="ns"/>/<paramref name="name"/>: "&lt;ns&gt;/&lt;name&gt;@&lt;consumer ns&gt;" ('@' is never in a name).</summary>
    public static string ConsumerKey(string ns, string name, string consumerNs) => $"{ns}/{name}@{consumerNs}";

    /// <summary>Grain key of a workload address: "addr/&lt;ip&gt;:&lt;port&gt;" (IPv6 in brackets), from the address as written.</summary>
    public static string AddressKey(string address, int port) =>
        $"addr/{(address.Contains(':') && !address.StartsWith('[') ? $"[{address}]" : address)}:{port}";

    public static (string Namespace, string Name) SplitKey(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"grain key '{key}' is not '<namespace>/<name>'", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }
}
