using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources;

/// <summary>Reads canonical resource JSON back into the typed records of <see cref="Kinds"/>.</summary>
public static class ResourceJson
{
    /// <summary>camelCase, compact, relaxed escaping: the canonical form is also what `get -o json` prints.</summary>
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        WriteIndented = false,
    };

    internal static string Write(JsonNode node) => node.ToJsonString(Options);

    /// <summary>The typed record for a stored resource, e.g. <see cref="ServiceResource"/> for kind "Service".</summary>
    public static MeshResource Deserialize(string kind, string json) => kind switch
    {
        "Service" => Deserialize<ServiceResource>(json),
        "Workload" => Deserialize<WorkloadResource>(json),
        "HTTPRoute" => Deserialize<HttpRouteResource>(json),
        "GRPCRoute" => Deserialize<GrpcRouteResource>(json),
        "Server" => Deserialize<ServerResource>(json),
        "AuthorizationPolicy" => Deserialize<AuthorizationPolicyResource>(json),
        "MeshTLSAuthentication" => Deserialize<MeshTlsAuthenticationResource>(json),
        "NetworkAuthentication" => Deserialize<NetworkAuthenticationResource>(json),
        "HTTPLocalRateLimitPolicy" => Deserialize<HttpLocalRateLimitPolicyResource>(json),
        "EndpointSlice" => Deserialize<EndpointSliceResource>(json),
        "Link" => Deserialize<LinkResource>(json),
        "FederationPeer" => Deserialize<FederationPeerResource>(json),
        _ => throw new ArgumentException($"unknown kind \"{kind}\"; known kinds: {string.Join(", ", ResourceKinds.All.Select(k => k.Kind))}", nameof(kind)),
    };

    public static T Deserialize<T>(string json) where T : MeshResource =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("resource JSON is null");

    /// <summary>Indented JSON of one canonical resource, for people.</summary>
    public static string Indent(string json) => JsonNode.Parse(json)!.ToJsonString(new JsonSerializerOptions(Options) { WriteIndented = true });
}
