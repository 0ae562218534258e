namespace Mesh.Identity.Metrics;

/// <summary>Names of every mesh TLS instrument and label, in one place.</summary>
public static class MeshTlsInstrumentNames
{
    public const string Meter = "Mesh.Tls";

    /// <summary>Counter: completed and failed handshakes; labels side, result, group, suite.</summary>
    public const string Handshakes = "mesh.tls.handshakes";

    /// <summary>Counter: failed handshakes; labels side, reason.</summary>
    public const string HandshakeErrors = "mesh.tls.handshake.errors";

    /// <summary>Histogram (seconds): handshake duration; labels side, result.</summary>
    public const string HandshakeDuration = "mesh.tls.handshake.duration";

    /// <summary>UpDownCounter: established mesh TLS connections; labels side, group.</summary>
    public const string OpenConnections = "mesh.tls.connections.open";

    public const string SideTag = "side", ResultTag = "result", GroupTag = "group", SuiteTag = "suite", ReasonTag = "reason";
    public const string Client = "client", Server = "server", Success = "success", Failure = "failure";
}
