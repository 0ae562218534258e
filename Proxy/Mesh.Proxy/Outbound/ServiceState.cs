using System.Diagnostics.CodeAnalysis;
using System.Collections.Immutable;
using Mesh.Api.V1;
using Endpoint = Mesh.Api.V1.Endpoint;
using Mesh.Proxy.Errors;

namespace Mesh.Proxy.Outbound;

/// <summary>What discovery last said about one authority; immutable, replaced whole on every update.</summary>
/// <param name="Exists">false: not a service in the mesh (yet), see <paramref name="Reason"/>.</param>
/// <param name="Reason">Why it is missing, or — when it exists — why it can have no endpoints (the silo's problem text; often "").</param>
/// <param name="Endpoints">Ready and unready endpoints keyed by "address:port".</param>
/// <param name="Routes">The profile compiled for matching (never empty when the service exists: a default route).</param>
internal sealed record ServiceState(
    string Authority,
    bool Exists,
    string CanonicalAuthority,
    ImmutableDictionary<string, Endpoint> Endpoints,
    ServiceProfile Profile,
    CompiledProfile Routes,
    ulong Version,
    string Reason)
{
    /// <summary>The silo's endpoint-set view version this state reflects (ServiceUpdate.endpoints_version), reported
    /// to the silo so `mesh check` can tell a stuck watch.</summary>
    public long EndpointsVersion { get; init; }

    /// <summary>Whether <paramref name="authority"/> cannot be routed to, and why: discovery never answered (null state) or
    /// it is not a mesh service.</summary>
    public static bool IsUnroutable([NotNullWhen(false)] ServiceState? state, string authority, Uri controlAddress, out ProxyRefusal refusal)
    {
        refusal = state is null ? new(ProxyError.DiscoveryUnavailable, $"service {authority}: discovery at {controlAddress} has not answered; is the control plane running?")
            : new(ProxyError.UnknownService, state.Reason);
        return state is not { Exists: true };
    }

    public static ServiceState Missing(string authority, ulong version, string reason) =>
        new(authority, false, authority, ImmutableDictionary<string, Endpoint>.Empty, new ServiceProfile(), CompiledProfile.Empty, version, reason);

    public static ServiceState FromSnapshot(string authority, ulong version, ServiceSnapshot s)
    {
        if (!s.Exists) return Missing(authority, version, $"service {authority}: not found in the mesh; is it applied?");
        var canonical = s.Authority.Length > 0 ? s.Authority : authority;
        var profile = s.Profile ?? new ServiceProfile();
        return new(authority, true, canonical, s.Endpoints.ToImmutableDictionary(e => e.Key), profile, CompiledProfile.Compile(canonical, profile), version, s.Problem);
    }

    /// <summary>Applies one delta; a delta before a snapshot is a protocol error (the caller reconnects).</summary>
    public ServiceState Apply(ServiceUpdate update)
    {
        switch (update.KindCase)
        {
            case ServiceUpdate.KindOneofCase.Snapshot:
                return FromSnapshot(Authority, update.Version, update.Snapshot);
            case ServiceUpdate.KindOneofCase.Upserted:
                var b = Endpoints.ToBuilder();
                foreach (var e in update.Upserted.Endpoints) b[e.Key] = e;
                return this with { Endpoints = b.ToImmutable(), Version = update.Version };
            case ServiceUpdate.KindOneofCase.Removed:
                return this with { Endpoints = Endpoints.RemoveRange(update.Removed.Keys), Version = update.Version };
            case ServiceUpdate.KindOneofCase.Profile:
                return this with { Profile = update.Profile, Routes = CompiledProfile.Compile(CanonicalAuthority, update.Profile), Version = update.Version };
            case ServiceUpdate.KindOneofCase.Deleted:
                var reason = update.Deleted.Reason.Length > 0 ? update.Deleted.Reason : "deleted";
                return Missing(Authority, update.Version, $"service {Authority}: not found in the mesh ({reason}); is it applied?");
            default:
                throw new InvalidDataException($"discovery update {update.Version} for {Authority} has no content");
        }
    }
}
