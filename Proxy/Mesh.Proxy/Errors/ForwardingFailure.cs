using System.Net.Http;
using System.Net.Sockets;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Errors;

/// <summary>Whose fault a YARP forwarding error is, what the client is answered, and the sentence it reads: a client that
/// breaks its own request (a malformed chunked body, a body cut short) gets a 400 and never counts against an endpoint.</summary>
/// <remarks>The sentences are ours, not the exception's message: the proxy is built with UseSystemResourceKeys, so
/// framework messages reach it as bare resource keys (`net_http_invalid_response_premature_eof`).</remarks>
internal static class ForwardingFailure
{
    /// <summary>The client broke or abandoned its side of the exchange: says nothing about the endpoint (failure
    /// accrual, retries and load balancing must not see it).</summary>
    public static bool IsClientSide(ForwarderError error) => error is
        ForwarderError.RequestCanceled or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient or
        ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient or
        ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient or
        ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;

    /// <summary>The error the client is answered with; null when there is nobody to answer (the client went away, or
    /// broke while receiving) or nothing failed.</summary>
    public static ProxyError? ToProxyError(ForwarderError error) => error switch
    {
        ForwarderError.None => null,
        ForwarderError.RequestBodyClient or ForwarderError.UpgradeRequestClient => ProxyError.BadRequest,
        _ when IsClientSide(error) => null,
        ForwarderError.RequestTimedOut => ProxyError.BackendTimeout,
        _ => ProxyError.Upstream,
    };

    /// <summary>What went wrong, for a person: "the client's request body is malformed or cut short" or "the connection
    /// was closed before a response".</summary>
    public static string Describe(ForwarderError error, Exception? exception) => error switch
    {
        ForwarderError.RequestBodyClient => "the client's request body is malformed or was cut short (" + ClientBodyProblem(exception) + ")",
        ForwarderError.UpgradeRequestClient => "the client broke the upgraded connection",
        ForwarderError.RequestTimedOut => "no response within the timeout",
        ForwarderError.RequestBodyDestination => "sending the request body failed: " + Transport(exception),
        ForwarderError.ResponseBodyDestination => "the response body broke off: " + Transport(exception),
        ForwarderError.ResponseHeaders => "the response headers could not be copied",
        ForwarderError.RequestCreation => "the request could not be built",
        ForwarderError.NoAvailableDestinations => "no endpoint available",
        _ => Transport(exception),
    };

    private static string ClientBodyProblem(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is BadHttpRequestException bad) return $"HTTP {bad.StatusCode} from the parser";
        return "the client stopped sending";
    }

    private static string Transport(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is HttpRequestException { HttpRequestError: not HttpRequestError.Unknown } http) return Sentence(http.HttpRequestError);
            if (e is SocketException socket) return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (nothing listens there?)",
                SocketError.ConnectionReset => "the connection was reset",
                SocketError.TimedOut => "connect timed out",
                SocketError.HostUnreachable or SocketError.NetworkUnreachable => "unreachable",
                var code => "socket error " + code,
            };
            if (e is TimeoutException) return "connect timed out";
        }
        return exception is null ? "the exchange failed" : "the exchange failed (" + exception.GetType().Name + ")";
    }

    private static string Sentence(HttpRequestError error) => error switch
    {
        HttpRequestError.ConnectionError => "could not connect",
        HttpRequestError.NameResolutionError => "the name did not resolve",
        HttpRequestError.SecureConnectionError => "the TLS handshake failed",
        HttpRequestError.ResponseEnded => "the connection was closed before a complete response",
        HttpRequestError.InvalidResponse => "the response was not valid HTTP",
        HttpRequestError.HttpProtocolError => "the peer broke the HTTP protocol (stream or connection reset)",
        HttpRequestError.VersionNegotiationError => "no common HTTP version",
        HttpRequestError.ConfigurationLimitExceeded => "the response headers were over the limit",
        HttpRequestError.ProxyTunnelError => "the proxy tunnel failed",
        HttpRequestError.ExtendedConnectNotSupported => "extended CONNECT is not supported by the peer",
        HttpRequestError.UserAuthenticationError => "authentication failed",
        _ => "the exchange failed",
    };
}
