using Mesh.Names;
using Mesh.Proxy.Errors;
using Microsoft.Extensions.Primitives;

namespace Mesh.Proxy.Inbound;

/// <summary>Who the client of an inbound request is: the peer that mTLS verified, or, when that peer is a gateway the
/// Server lists in trustedGateways, the client identity the gateway verified and forwarded (mesh-forwarded-client-id).</summary>
/// <remarks>
/// The header is believed only from a listed gateway: from any other peer (another workload, a plaintext client, a port
/// without a Server) it is ignored and the peer's own identity is authorized, so a caller that sets it gains nothing.
/// A listed gateway that sends a malformed value (not exactly one SPIFFE id) is refused, not authorized as itself: the
/// request came from somebody else, and the gateway's identity may be allowed what that caller is not (a confused
/// deputy); a silent fallback would also hide a broken gateway. A listed gateway that sends no header is the caller
/// itself (its probes) and is authorized as the gateway.
/// </remarks>
internal readonly record struct ForwardedIdentity(string? Client, string? Gateway, ForwardedIdentity.Outcome Result, ProxyRefusal? Refusal)
{
    public enum Outcome
    {
        /// <summary>No header: the peer is the client.</summary>
        None,
        /// <summary>From a trusted gateway: the forwarded identity is the client.</summary>
        Trusted,
        /// <summary>From a peer that is not a trusted gateway of the Server: ignored, the peer is the client.</summary>
        Ignored,
        /// <summary>From a trusted gateway but not one SPIFFE id: the request is refused.</summary>
        Malformed,
    }

    /// <summary>The peer itself, as when no header was sent.</summary>
    public static ForwardedIdentity Direct(string? peer) => new(peer, null, Outcome.None, null);

    /// <param name="peer">The identity mTLS verified (null: plaintext or no client certificate).</param>
    /// <param name="header">The request's <c>mesh-forwarded-client-id</c> values (empty: not sent).</param>
    /// <param name="server">The Server of the port the request reaches (null: none, the default policy applies).</param>
    public static ForwardedIdentity Resolve(string? peer, StringValues header, ServerRule? server)
    {
        if (header.Count == 0) return Direct(peer);
        if (peer is null || server is null || !IdentityMatcher.IsOneOf(server.TrustedGateways, peer))
            return new(peer, null, Outcome.Ignored, null);
        if (header.Count != 1 || !SpiffeId.TryParse(header[0], out var client))
            return new(peer, peer, Outcome.Malformed, new(ProxyError.Unauthorized,
                $"inbound: gateway {peer} forwarded a malformed client identity; refused rather than authorized as the gateway ({server.Name})"));
        return new(client.Uri, peer, Outcome.Trusted, null);
    }

    public string OutcomeLabel => Result switch
    {
        Outcome.Trusted => "trusted",
        Outcome.Ignored => "ignored",
        Outcome.Malformed => "malformed",
        _ => "none",
    };
}
