namespace Mesh.Proxy.Outbound;

/// <summary>Keys of the metadata each YARP destination carries about its mesh endpoint.</summary>
internal static class DestinationMetadata
{
    /// <summary>The application port on the endpoint (sent to a meshed endpoint's inbound proxy).</summary>
    public const string TargetPort = "mesh.target-port";
    /// <summary>SPIFFE id of the endpoint's proxy; absent when unmeshed.</summary>
    public const string Identity = "mesh.identity";
    /// <summary>"h2" for meshed endpoints (HTTP/2 to the peer proxy), absent otherwise.</summary>
    public const string Protocol = "mesh.protocol";
    /// <summary>Authority to send instead of the client's (the endpoint is a multicluster gateway).</summary>
    public const string AuthorityOverride = "mesh.authority-override";
    /// <summary>The linked cluster a remote endpoint lives in; absent for this cluster's endpoints.</summary>
    public const string Cluster = Resilience.LocalityPreference.ClusterMetadata;

    /// <summary>On a YARP cluster (not a destination): present when the service prefers local endpoints.</summary>
    public const string PreferLocal = Resilience.LocalityPreference.PreferLocalMetadata;
}
