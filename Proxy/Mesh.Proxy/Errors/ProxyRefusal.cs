namespace Mesh.Proxy.Errors;

/// <summary>Why the data plane will not carry something, before any response exists: the error and a sentence for the
/// client (an HTTP body, or a counter when the connection is just closed).</summary>
internal readonly record struct ProxyRefusal(ProxyError Error, string Reason);
