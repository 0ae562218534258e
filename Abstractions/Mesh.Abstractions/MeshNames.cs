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

    /// <summary>Partitions of a namespace's inbound policies and of the cluster's address claims: each partition is one
    /// grain holding many views, so a namespace of 2,000 pods activates a few dozen grains, not 4,000.</summary>
    public const int ViewPartitions = 32;

    /// <summary>Key of the <see cref="Grains.IInboundPoliciesGrain"/> holding workload <paramref name="workload"/>'s
    /// inbound policy: "&lt;ns&gt;/#&lt;partition&gt;" ('#' is never in a name).</summary>
    public static string InboundPartition(string ns, string workload) => $"{ns}/#{Partition(workload)}";

    /// <summary>Key of the <see cref="Grains.IAddressesGrain"/> holding address <paramref name="addressKey"/>
    /// (<see cref="AddressKey"/>): "addr/#&lt;partition&gt;".</summary>
    public static string AddressPartition(string addressKey) => $"addr/#{Partition(addressKey)}";

    /// <summary>FNV-1a over the UTF-16 code units: stable across processes and releases (string.GetHashCode is not).</summary>
    private static int Partition(string s)
    {
        var hash = 2166136261u;
        foreach (var c in s) hash = (hash ^ c) * 16777619u;
        return (int)(hash % ViewPartitions);
    }

    public static (string Namespace, string Name) SplitKey(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
            throw new ArgumentException($"grain key '{key}' is not '<namespace>/<name>'", nameof(key));
        return (key[..slash], key[(slash + 1)..]);
    }
}
