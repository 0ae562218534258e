namespace Mesh.Proxy.Errors;

/// <summary>Every way the data plane fails a request on purpose; mapped to a status in <see cref="ProxyErrorReporter"/> alone.</summary>
public enum ProxyError
{
    /// <summary>The authority is not a service in the mesh (discovery said exists=false).</summary>
    UnknownService,
    /// <summary>Discovery has not answered for this authority and nothing is cached.</summary>
    DiscoveryUnavailable,
    /// <summary>No endpoint became available within the queue timeout (none registered, or all ejected).</summary>
    NoEndpoints,
    /// <summary>The route table of the service matched nothing.</summary>
    NoRoute,
    /// <summary>Connecting to (or talking to) the chosen endpoint failed.</summary>
    Upstream,
    /// <summary>The whole request (including retries) exceeded its timeout.</summary>
    RequestTimeout,
    /// <summary>One try exceeded the backend (per-try) timeout.</summary>
    BackendTimeout,
    /// <summary>Inbound: the target port named no application port.</summary>
    BadTarget,
    /// <summary>Inbound: the authorization policy denied the peer.</summary>
    Unauthorized,
    /// <summary>Inbound: a local rate limit was exceeded.</summary>
    RateLimited,
    /// <summary>The client's request was malformed: an HTTP CONNECT the proxy parses itself, a header value with CR, LF or
    /// NUL, a body whose framing is broken (a bad chunk) or that was cut short. Never counts against an endpoint.</summary>
    BadRequest,
    /// <summary>A request the proxy parses itself (an HTTP CONNECT) had headers over the limit.</summary>
    HeadersTooLarge,
}
