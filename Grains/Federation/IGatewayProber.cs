namespace Mesh.Grains.Federation;

/// <summary>One probe of a linked cluster's gateway (the silo implements it: mesh mTLS through the gateway's data port,
/// the gateway must prove <see cref="GatewayTarget.Identity"/>, then GET the probe path). Never throws for the
/// gateway's failures: they are values.</summary>
public interface IGatewayProber
{
    Task<GatewayProbeResult> ProbeAsync(GatewayTarget gateway, string path, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Where a link's gateway-mode mirrors send traffic: the Link's gateway, else the one the cluster advertises.</summary>
public sealed record GatewayTarget(string Address, int Port, string Identity)
{
    public override string ToString() => $"{Address}:{Port} ({Identity})";
}

/// <summary>Ok with how long the probe took (connect, handshake, answer), or why it failed.</summary>
public sealed record GatewayProbeResult(bool Ok, TimeSpan Latency, string? Error)
{
    public static GatewayProbeResult Succeeded(TimeSpan latency) => new(true, latency, null);
    public static GatewayProbeResult Failed(string error) => new(false, TimeSpan.Zero, error);
}

/// <summary>Where the silo publishes each hosted link's gateway health (its metrics): set after every probe, removed
/// when the link grain stops here, so only the silo holding a link reports it.</summary>
public interface IGatewayHealthReporter
{
    void Report(string cluster, bool alive, TimeSpan? latency);
    void Forget(string cluster);
}
