namespace Mesh.Proxy.Hosting;

/// <summary>Performance switches of the host that bench/proxy/run.sh flips A/B in one run (`MESH_AB`), read from the
/// environment at start. Defaults are what the measurements kept (bench/README.md, "Levers"); a value that is not
/// true/false stops the proxy with the variable's name.</summary>
internal sealed record HostingLevers(bool WaitForDataBeforeAllocatingBuffer, bool PreferInlineScheduling, bool Metrics, bool MeshLegHttp11, bool TlsSkipDataWaitWhenBusy)
{
    /// <summary>Kestrel's socket transport: a zero-byte read before renting a receive buffer (fewer idle buffers, one
    /// more syscall per read).</summary>
    public const string WaitForDataVariable = "MESH_PROXY_SOCKETS_WAIT_FOR_DATA";

    /// <summary>Kestrel's `UnsafePreferInlineScheduling`: connection I/O continues on the socket's event thread instead of
    /// the thread pool.</summary>
    public const string InlineSchedulingVariable = "MESH_PROXY_SOCKETS_INLINE_SCHEDULING";

    /// <summary>Off only to bound what per-request telemetry costs (CPU and memory): no instruments recorded, no stats,
    /// no OpenTelemetry SDK, an empty /metrics. Not for production.</summary>
    public const string MetricsVariable = "MESH_PROXY_BENCH_METRICS";

    /// <summary>HTTP/1.x clients' requests to mesh peers go as HTTP/1.1 keep-alive over mesh TLS (ALPN http/1.1, one
    /// pooled connection per request in flight) instead of multiplexed HTTP/2; HTTP/2 clients keep the HTTP/2 leg.</summary>
    public const string MeshLegHttp11Variable = "MESH_PROXY_MESH_LEG_HTTP11";

    /// <summary>Mesh TLS reads skip the zero-byte wait for data while the connection is busy
    /// (<see cref="Mesh.Identity.Tls.MeshTlsOptions.SkipDataWaitWhenBusy"/>).</summary>
    public const string TlsSkipDataWaitVariable = "MESH_PROXY_TLS_SKIP_DATA_WAIT_WHEN_BUSY";

    public static HostingLevers Default { get; } = new(WaitForDataBeforeAllocatingBuffer: true, PreferInlineScheduling: false, Metrics: true, MeshLegHttp11: false, TlsSkipDataWaitWhenBusy: false);

    public static HostingLevers FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        return new(
            Flag(read, WaitForDataVariable, Default.WaitForDataBeforeAllocatingBuffer),
            Flag(read, InlineSchedulingVariable, Default.PreferInlineScheduling),
            Flag(read, MetricsVariable, Default.Metrics),
            Flag(read, MeshLegHttp11Variable, Default.MeshLegHttp11),
            Flag(read, TlsSkipDataWaitVariable, Default.TlsSkipDataWaitWhenBusy));
    }

    private static bool Flag(Func<string, string?> read, string variable, bool fallback) => read(variable) switch
    {
        null or "" => fallback,
        var v when bool.TryParse(v, out var b) => b,
        var v => throw new InvalidOperationException($"{variable} '{v}' is not true or false"),
    };
}
