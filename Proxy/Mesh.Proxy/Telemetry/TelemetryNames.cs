namespace Mesh.Proxy.Telemetry;

/// <summary>Metric and label names, Linkerd's where they exist, in one place.</summary>
public static class TelemetryNames
{
    public const string MeterName = "Mesh.Proxy";
    public const string ActivitySourceName = "Mesh.Proxy";

    public const string RequestTotal = "request_total";
    public const string ResponseTotal = "response_total";
    public const string ResponseLatencyMs = "response_latency_ms";
    public const string TcpOpenTotal = "tcp_open_total";
    public const string TcpOpenConnections = "tcp_open_connections";
    public const string TcpReadBytesTotal = "tcp_read_bytes_total";
    public const string TcpWriteBytesTotal = "tcp_write_bytes_total";
    public const string InboundAuthzAllowTotal = "inbound_http_authz_allow_total";
    public const string InboundAuthzDenyTotal = "inbound_http_authz_deny_total";
    public const string InboundRateLimitTotal = "inbound_http_local_ratelimit_rejected_total";
    /// <summary>Inbound requests that carried a gateway's forwarded client identity, by outcome, gateway and client.</summary>
    public const string InboundForwardedIdentityTotal = "inbound_forwarded_identity_total";
    public const string IdentityCertExpiration = "identity_cert_expiration_timestamp_seconds";
    public const string TlsInfo = "tls_info";
    public const string ProxyErrorsTotal = "proxy_errors_total";
    public const string RetriesTotal = "outbound_http_retry_total";
    public const string BadInputTotal = "bad_input_total";
    public const string OpaqueConnectionsTotal = "tcp_opaque_connections_total";
    public const string EndpointEjectionsTotal = "outbound_endpoint_ejections_total";
    public const string DiscoveryUpdatesTotal = "discovery_updates_total";
    public const string DiscoveryReconnectsTotal = "discovery_reconnects_total";
    public const string DiscoveryErrorsTotal = "discovery_errors_total";

    public const string Direction = "direction";
    public const string Authority = "authority";
    public const string DstIdentity = "dst_identity";
    public const string SrcIdentity = "src_identity";
    public const string Route = "route";
    public const string Backend = "backend";
    public const string StatusCode = "status_code";
    public const string Classification = "classification";
    public const string Error = "error";
    public const string Kind = "kind";
    public const string Reason = "reason";
    public const string Server = "srv_name";
    public const string Authz = "authz_name";
    public const string Group = "group";
    public const string Suite = "suite";
    public const string Port = "target_port";
    public const string Outcome = "outcome";
    /// <summary>The peer that sent a forwarded client identity (the gateway), in DNS form like client_id.</summary>
    public const string GatewayId = "gateway_id";

    // linkerd2-proxy's TLS and destination labels (README: Metrics), beside ours so Linkerd dashboards and alerts work.
    public const string Tls = "tls";
    public const string ClientId = "client_id";
    public const string ServerId = "server_id";
    public const string NoTlsReason = "no_tls_reason";
    public const string DstNamespace = "dst_namespace";
    public const string DstService = "dst_service";
    public const string DstPort = "dst_port";
    public const string DstServiceAccount = "dst_serviceaccount";
    public const string TlsTrue = "true";
    public const string TlsNoIdentity = "no_identity";
    /// <summary>Outbound to an endpoint discovery gave no identity (unmeshed), linkerd2-proxy's reason.</summary>
    public const string NoTlsFromDiscovery = "not_provided_by_service_discovery";
    /// <summary>Inbound from a client that did not speak mesh TLS, linkerd2-proxy's reason.</summary>
    public const string NoTlsFromRemote = "no_tls_from_remote";

    public const string Inbound = "inbound";
    public const string Outbound = "outbound";
    /// <summary>Errors and refusals at a multicluster gateway's listener.</summary>
    public const string Gateway = "gateway";
    public const string Success = "success";
    public const string Failure = "failure";
}
