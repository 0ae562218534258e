using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Mesh.Abstractions;
using Mesh.Abstractions.Model;
using Mesh.Api.V1;
using Mesh.Names;
using Endpoint = Mesh.Api.V1.Endpoint;

namespace Mesh.Silo.Discovery;

/// <summary>An authority that is an IP address ("10.0.0.5:8080", "[fd00::5]:8080"; port 80 when absent): discovery by
/// address, as Linkerd's destination service resolves a pod IP. A workload there is its endpoint (meshed, with its
/// identity); an address no workload claims does not exist, and the proxy forwards to it as it is.</summary>
public sealed record AddressAuthority(IPAddress Address, int Port)
{
    public string Key => MeshNames.AddressKey(Address.ToString(), Port);
    public string Canonical => new IPEndPoint(Address, Port).ToString();

    public static bool TryParse(string authority, [NotNullWhen(true)] out AddressAuthority? result)
    {
        result = Authority.TryParseAddress(authority.Trim(), ServiceAuthority.DefaultPort, out var endpoint)
            ? new AddressAuthority(endpoint.Address, endpoint.Port) : null;
        return result is not null;
    }

    /// <summary>The proxy's view of the address: the claiming workload as the one endpoint (default profile), or Missing.</summary>
    public TranslatedService Translate(AddressView view)
    {
        if (view.Winner is not { } winner) return TranslatedService.Missing;
        var text = Port.ToString(CultureInfo.InvariantCulture);
        var endpoint = DiscoveryTranslator.Endpoint(winner.Endpoint, new ServicePortView(null, Port, text, null, false), opaque: false);
        if (endpoint is null) return TranslatedService.Missing;
        return new TranslatedService(true, System.Collections.Immutable.ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            [new KeyValuePair<string, Endpoint>(endpoint.Key, endpoint)]), new ServiceProfile());
    }

    public ServiceSnapshot Snapshot(TranslatedService state, string ns)
    {
        var snapshot = new ServiceSnapshot
        {
            Exists = state.Exists,
            Authority = Canonical,
            Namespace = ns,
            Port = (uint)Port,
            Profile = state.Exists ? state.Profile : null,
        };
        snapshot.Endpoints.AddRange(state.Endpoints.Values);
        return snapshot;
    }
}
