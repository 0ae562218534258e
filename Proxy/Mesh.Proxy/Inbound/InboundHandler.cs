using System.Diagnostics;
using System.Globalization;
using System.Net;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Mesh.Proxy.Wire;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Inbound;

/// <summary>Inbound: learns the target port (only a declared one, see <see cref="InboundTarget"/>), authorizes the peer with the workload's policy, rate-limits, forwards to the app on loopback.</summary>
internal sealed class InboundHandler : IDisposable
{
    private readonly IHttpForwarder _forwarder;
    private readonly ProxyErrorReporter _errors;
    private readonly ProxyMetrics _metrics;
    private readonly ProxySettings _settings;
    private readonly InboundPolicySource _policies;
    private readonly ListenerPorts _ports;
    private readonly HttpMessageInvoker _invoker;
    private readonly InboundTransformer _transformer = new();
    private readonly ForwarderRequestConfig _requestConfig = new() { ActivityTimeout = TimeSpan.FromMinutes(2) };
    private readonly string[] _prefixes = new string[65536];
    private readonly string _authority;

    public InboundHandler(IHttpForwarder forwarder, ProxyErrorReporter errors, ProxyMetrics metrics, ProxySettings settings, InboundPolicySource policies, ListenerPorts ports)
    {
        _ports = ports;
        _forwarder = forwarder;
        _errors = errors;
        _metrics = metrics;
        _settings = settings;
        _policies = policies;
        _invoker = new HttpMessageInvoker(MeshForwarderHttpClientFactory.Create(new PlaintextEndpointConnector()), disposeHandler: true);
        _authority = settings.Workload.Length > 0 ? $"{settings.Workload}.{settings.Namespace}" : "local";
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var start = Stopwatch.GetTimestamp();
        var peer = PeerIdentity(context);
        var policy = _policies.Policy;
        var (target, refusal) = TargetPort(context, peer, policy);
        var caller = refusal is null ? Caller(context, peer, policy.Servers.GetValueOrDefault(target)) : ForwardedIdentity.Direct(peer);
        // Authorization, rate limits and the client labels see the caller: the peer, or the client a trusted gateway forwarded.
        var client = caller.Client;
        _metrics.InboundRequest(_authority, client ?? "");
        var route = "";
        try
        {
            if ((refusal ?? caller.Refusal) is { } r)
            {
                await _errors.ReportAsync(context, r.Error, r.Reason, TelemetryNames.Inbound);
                return;
            }
            // Authorized for the port actually reached.
            var decision = policy.Authorize(target, client, context.Connection.RemoteIpAddress);
            route = decision.Server;
            if (!decision.Allowed)
            {
                _metrics.AuthzDenied(decision.Server);
                var who = client is null ? "unauthenticated client" : caller.Gateway is { } gateway ? $"{client} (forwarded by gateway {gateway})" : client;
                await _errors.ReportAsync(context, ProxyError.Unauthorized,
                    $"inbound: {who} from {context.Connection.RemoteIpAddress} is not authorized for port {target} ({decision.Server})", TelemetryNames.Inbound);
                return;
            }
            _metrics.AuthzAllowed(decision.Server, decision.Authorization);
            if (decision.RateLimit is { } limit && !limit.TryAcquire(client))
            {
                _metrics.RateLimited(limit.Name);
                await _errors.ReportAsync(context, ProxyError.RateLimited, $"inbound: rate limit {limit.Name} exceeded", TelemetryNames.Inbound);
                return;
            }
            var error = await _forwarder.SendAsync(context, Prefix(target), _invoker, _requestConfig, _transformer);
            if (!context.Response.HasStarted && ForwardingFailure.ToProxyError(error) is { } failure)
            {
                var ex = context.Features.Get<IForwarderErrorFeature>()?.Exception;
                await _errors.ReportAsync(context, failure, $"inbound: app on {_settings.AppHost}:{target}: {ForwardingFailure.Describe(error, ex)} ({error})", TelemetryNames.Inbound);
            }
        }
        finally
        {
            var status = context.Response.StatusCode;
            _metrics.Response(TelemetryNames.Inbound, _authority, route, "", client ?? "", status, status < 500, Stopwatch.GetElapsedTime(start).TotalMilliseconds,
                context.Request.Path.Value);
        }
    }

    /// <summary>The caller (see <see cref="ForwardedIdentity"/>), counted when the request carried a forwarded identity.</summary>
    private ForwardedIdentity Caller(HttpContext context, string? peer, ServerRule? server)
    {
        var caller = ForwardedIdentity.Resolve(peer, context.Request.Headers[MeshHeaders.ForwardedClientId], server);
        if (caller.Result != ForwardedIdentity.Outcome.None)
            _metrics.ForwardedIdentity(caller.OutcomeLabel, peer ?? "", caller.Result == ForwardedIdentity.Outcome.Trusted ? caller.Client! : "");
        return caller;
    }

    private (int Port, ProxyRefusal? Refusal) TargetPort(HttpContext context, string? peer, CompiledInboundPolicy policy)
    {
        string? requested = context.Request.Headers.TryGetValue(MeshHeaders.TargetPort, out var header) ? header.ToString() : null;
        return InboundTarget.Resolve(requested, context.Features.Get<OriginalDestinationFeature>()?.EndPoint.Port, peer, policy, _settings,
            [_ports.Inbound, _ports.Outbound, _ports.Admin]);
    }

    /// <summary>The client's mesh identity from mTLS; null on plaintext connections.</summary>
    private static string? PeerIdentity(HttpContext context) => context.Features.Get<PeerIdentityFeature>()?.Identity;

    private string Prefix(int port) =>
        _prefixes[port] ??= $"http://{(_settings.AppHost.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{_settings.AppHost}]" : _settings.AppHost.ToString())}:{port.ToString(CultureInfo.InvariantCulture)}";

    public void Dispose() => _invoker.Dispose();
}
