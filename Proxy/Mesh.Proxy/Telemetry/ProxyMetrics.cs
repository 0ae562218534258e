using System.Diagnostics;
using System.Diagnostics.Metrics;
using static Mesh.Proxy.Telemetry.TelemetryNames;

namespace Mesh.Proxy.Telemetry;

/// <summary>Owns every instrument of the proxy; the hot path calls these methods (no allocation beyond tag boxing).</summary>
internal sealed class ProxyMetrics : IDisposable
{
    private static readonly string[] StatusStrings = Enumerable.Range(0, 600).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _responses;
    private readonly Histogram<double> _latency;
    private readonly Counter<long> _tcpOpen;
    private readonly UpDownCounter<long> _tcpOpenConnections;
    private readonly Counter<long> _tcpRead;
    private readonly Counter<long> _tcpWrite;
    private readonly Counter<long> _authzAllow;
    private readonly Counter<long> _authzDeny;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _forwardedIdentity;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _badInput;
    private readonly Counter<long> _opaque;
    private readonly Counter<long> _ejections;
    private readonly Counter<long> _discoveryUpdates;
    private readonly Counter<long> _discoveryReconnects;
    private readonly Counter<long> _discoveryErrors;
    private long _certExpiryUnixSeconds;
    private (string Group, string Suite)? _tls;
    private readonly bool _recording;

    private static int s_instances;

    /// <summary>Name of this instance's meter (what the metrics pipeline subscribes to).</summary>
    public string MeterName { get; }

    /// <summary>Per-interval summaries for the control plane (Telemetry.Report).</summary>
    public StatsAggregator Stats { get; } = new();

    public DateTimeOffset? CertificateExpiry => Volatile.Read(ref _certExpiryUnixSeconds) is var s && s > 0 ? DateTimeOffset.FromUnixTimeSeconds(s) : null;

    /// <param name="recording">False only to bound what per-request telemetry costs (the bench's metrics-off lever):
    /// requests and responses are then neither counted nor summarized.</param>
    public ProxyMetrics(bool recording = true)
    {
        _recording = recording;
        // One meter name per instance: OpenTelemetry subscribes by name, and proxies hosted in one process (tests)
        // must not see each other's measurements. A lone proxy's meter is plain "Mesh.Proxy".
        var instance = Interlocked.Increment(ref s_instances);
        MeterName = instance == 1 ? TelemetryNames.MeterName : $"{TelemetryNames.MeterName}.{instance}";
        _meter = new Meter(MeterName);
        _requests = _meter.CreateCounter<long>(RequestTotal);
        _responses = _meter.CreateCounter<long>(ResponseTotal);
        _latency = _meter.CreateHistogram<double>(ResponseLatencyMs, "ms");
        _tcpOpen = _meter.CreateCounter<long>(TcpOpenTotal);
        _tcpOpenConnections = _meter.CreateUpDownCounter<long>(TcpOpenConnections);
        _tcpRead = _meter.CreateCounter<long>(TcpReadBytesTotal);
        _tcpWrite = _meter.CreateCounter<long>(TcpWriteBytesTotal);
        _authzAllow = _meter.CreateCounter<long>(InboundAuthzAllowTotal);
        _authzDeny = _meter.CreateCounter<long>(InboundAuthzDenyTotal);
        _rateLimited = _meter.CreateCounter<long>(InboundRateLimitTotal);
        _forwardedIdentity = _meter.CreateCounter<long>(InboundForwardedIdentityTotal);
        _errors = _meter.CreateCounter<long>(ProxyErrorsTotal);
        _retries = _meter.CreateCounter<long>(RetriesTotal);
        _badInput = _meter.CreateCounter<long>(BadInputTotal);
        _opaque = _meter.CreateCounter<long>(OpaqueConnectionsTotal);
        _ejections = _meter.CreateCounter<long>(EndpointEjectionsTotal);
        _discoveryUpdates = _meter.CreateCounter<long>(DiscoveryUpdatesTotal);
        _discoveryReconnects = _meter.CreateCounter<long>(DiscoveryReconnectsTotal);
        _discoveryErrors = _meter.CreateCounter<long>(DiscoveryErrorsTotal);
        _meter.CreateObservableGauge(IdentityCertExpiration, () => Volatile.Read(ref _certExpiryUnixSeconds) is var s && s > 0 ? [new Measurement<long>(s)] : Array.Empty<Measurement<long>>());
        _meter.CreateObservableGauge(TlsInfo, () => _tls is { } t ? [new Measurement<long>(1, new KeyValuePair<string, object?>(Group, t.Group), new KeyValuePair<string, object?>(Suite, t.Suite))] : Array.Empty<Measurement<long>>());
    }

    public static string StatusString(int status) => (uint)status < StatusStrings.Length ? StatusStrings[status] : status.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <param name="dst">Outbound: the concrete service routed to (dst_* labels); null before or without routing.</param>
    public void Request(string direction, string authority, DstLabels? dst = null)
    {
        if (!_recording) return;
        if (dst is null)
        {
            _requests.Add(1, new KeyValuePair<string, object?>(Direction, direction), new KeyValuePair<string, object?>(Authority, authority));
            return;
        }
        _requests.Add(1, new KeyValuePair<string, object?>(Direction, direction), new KeyValuePair<string, object?>(Authority, authority),
            new KeyValuePair<string, object?>(DstNamespace, dst.Namespace), new KeyValuePair<string, object?>(DstService, dst.Service),
            new KeyValuePair<string, object?>(DstPort, dst.Port));
    }

    /// <summary>Inbound request_total: direction, authority and linkerd2-proxy's tls + client_id (or no_tls_reason), the
    /// response's labels resolved the same way (cached per identity, on the stack).</summary>
    /// <param name="peerIdentity">The client's verified SPIFFE id; empty without mesh TLS.</param>
    public void InboundRequest(string authority, string peerIdentity)
    {
        if (!_recording) return;
        var buffer = new TagBuffer();
        Span<KeyValuePair<string, object?>> tags = buffer;
        tags[0] = new(Direction, TelemetryNames.Inbound);
        tags[1] = new(Authority, authority);
        _requests.Add(1, tags[..AddLinkerdLabels(tags, 2, outbound: false, peerIdentity, dst: null)]);
    }

    /// <param name="peerIdentity">The SPIFFE id the hop verified (outbound: the server's, inbound: the client's); empty
    /// without mesh TLS.</param>
    /// <param name="dst">Outbound: the concrete service the request went to, for linkerd2-proxy's dst_* labels.</param>
    public void Response(string direction, string authority, string route, string backend, string peerIdentity, int status, bool success, double latencyMs, string? path = null, bool reachedPeer = true, DstLabels? dst = null)
    {
        if (!_recording) return;
        var outbound = direction == TelemetryNames.Outbound;
        // Ours first, then linkerd2-proxy's (tls, client_id | server_id, dst_*); pre-resolved strings, on the stack.
        var buffer = new TagBuffer();
        Span<KeyValuePair<string, object?>> tags = buffer;
        tags[0] = new(Direction, direction);
        tags[1] = new(Authority, authority);
        tags[2] = new(TelemetryNames.Route, route);
        var common = 3;
        var n = common;
        tags[n++] = new(Backend, backend);
        tags[n++] = new(outbound ? DstIdentity : SrcIdentity, peerIdentity);
        tags[n++] = new(StatusCode, StatusString(status));
        tags[n++] = new(Classification, success ? Success : Failure);
        var linkerd = n;
        n = AddLinkerdLabels(tags, n, outbound, peerIdentity, dst);
        _responses.Add(1, tags[..n]);
        Stats.Record(new StatsAggregator.Key(direction, authority, outbound ? "" : peerIdentity, outbound ? peerIdentity : "", route, backend, path ?? "",
            Plaintext: reachedPeer && peerIdentity.Length == 0), success, latencyMs);
        // The latency histogram: direction, authority, route and the linkerd2-proxy labels (no status, no backend).
        tags[linkerd..n].CopyTo(tags[common..]);
        _latency.Record(latencyMs, tags[..(common + n - linkerd)]);
    }

    /// <summary>tls="true" with client_id (inbound) or server_id + dst_serviceaccount (outbound) when the hop was mesh
    /// mTLS with a verified peer, else tls="no_identity" with linkerd2-proxy's no_tls_reason; outbound also dst_namespace,
    /// dst_service, dst_port of the concrete service.</summary>
    private static int AddLinkerdLabels(Span<KeyValuePair<string, object?>> tags, int n, bool outbound, string peerIdentity, DstLabels? dst)
    {
        if (peerIdentity.Length > 0)
        {
            var peer = PeerLabels.Of(peerIdentity);
            tags[n++] = new(TelemetryNames.Tls, TlsTrue);
            tags[n++] = new(outbound ? ServerId : ClientId, peer.Id);
            if (outbound) tags[n++] = new(DstServiceAccount, peer.ServiceAccount);
        }
        else
        {
            tags[n++] = new(TelemetryNames.Tls, TlsNoIdentity);
            tags[n++] = new(NoTlsReason, outbound ? NoTlsFromDiscovery : NoTlsFromRemote);
        }
        if (outbound)
        {
            var d = dst ?? DstLabels.None;
            tags[n++] = new(DstNamespace, d.Namespace);
            tags[n++] = new(DstService, d.Service);
            tags[n++] = new(DstPort, d.Port);
        }
        return n;
    }

    /// <summary>Room for every label of one response on the stack (TagList spills to the heap past 8).</summary>
    [System.Runtime.CompilerServices.InlineArray(16)]
    private struct TagBuffer
    {
        private KeyValuePair<string, object?> _first;
    }

    /// <param name="tls">The connection arrived over mesh TLS (inbound: attributes TCP_CONN to mTLS or plaintext).</param>
    public void TcpOpened(string direction, bool tls = false)
    {
        var tag = new KeyValuePair<string, object?>(Direction, direction);
        _tcpOpen.Add(1, tag);
        _tcpOpenConnections.Add(1, tag);
        if (direction == TelemetryNames.Inbound) Stats.InboundConnectionOpened(tls);
    }

    public void TcpClosed(string direction)
    {
        _tcpOpenConnections.Add(-1, new KeyValuePair<string, object?>(Direction, direction));
        if (direction == TelemetryNames.Inbound) Stats.InboundConnectionClosed();
    }

    public void TcpBytes(string direction, long read, long written)
    {
        if (!_recording) return;
        var tag = new KeyValuePair<string, object?>(Direction, direction);
        if (read > 0) _tcpRead.Add(read, tag);
        if (written > 0) _tcpWrite.Add(written, tag);
    }

    public void AuthzAllowed(string server, string authz) =>
        _authzAllow.Add(1, new KeyValuePair<string, object?>(Server, server), new KeyValuePair<string, object?>(Authz, authz));

    public void AuthzDenied(string server) => _authzDeny.Add(1, new KeyValuePair<string, object?>(Server, server));

    /// <summary>Counts an inbound request carrying a forwarded client identity: <paramref name="outcome"/> trusted, ignored
    /// (the peer is no trusted gateway) or malformed; the gateway (the peer that sent it) and the client in DNS form.</summary>
    public void ForwardedIdentity(string outcome, string gateway, string client) =>
        _forwardedIdentity.Add(1, new KeyValuePair<string, object?>(Outcome, outcome),
            new KeyValuePair<string, object?>(GatewayId, gateway.Length > 0 ? PeerLabels.Of(gateway).Id : ""),
            new KeyValuePair<string, object?>(ClientId, client.Length > 0 ? PeerLabels.Of(client).Id : ""));

    public void RateLimited(string policy) => _rateLimited.Add(1, new KeyValuePair<string, object?>(Server, policy));

    /// <summary>Counts a data-plane error by its `mesh-error` code (<c>ProxyErrorReporter.CodeOf</c>).</summary>
    public void ProxyErrors(string direction, string code) =>
        _errors.Add(1, new KeyValuePair<string, object?>(Direction, direction), new KeyValuePair<string, object?>(Error, code));

    public void Retried(string authority) => _retries.Add(1, new KeyValuePair<string, object?>(Authority, authority));

    /// <summary>Counts rejected input (garbage, slow or oversized requests) per listener.</summary>
    public void BadInput(string listener, string kind) =>
        _badInput.Add(1, new KeyValuePair<string, object?>(Direction, listener), new KeyValuePair<string, object?>(Kind, kind));

    /// <summary>Counts connections proxied as opaque TCP, by why: opaque-port, detect-timeout, connect, transport-header.</summary>
    public void OpaqueConnection(string direction, string reason) =>
        _opaque.Add(1, new KeyValuePair<string, object?>(Direction, direction), new KeyValuePair<string, object?>(Reason, reason));

    public void Ejected(string backend) => _ejections.Add(1, new KeyValuePair<string, object?>(Backend, backend));

    public void DiscoveryUpdate(string kind) => _discoveryUpdates.Add(1, new KeyValuePair<string, object?>(Kind, kind));

    public void DiscoveryReconnect() => _discoveryReconnects.Add(1);

    /// <summary>Counts a watch that failed or an update that was not applied, by watch kind and reason.</summary>
    public void DiscoveryError(string kind, string reason) =>
        _discoveryErrors.Add(1, new KeyValuePair<string, object?>(Kind, kind), new KeyValuePair<string, object?>(Reason, reason));

    public void SetCertificateExpiry(DateTimeOffset notAfter) => Volatile.Write(ref _certExpiryUnixSeconds, notAfter.ToUnixTimeSeconds());

    public void SetTlsInfo(string group, string suite) => _tls = (group, suite);

    public void Dispose() => _meter.Dispose();
}
