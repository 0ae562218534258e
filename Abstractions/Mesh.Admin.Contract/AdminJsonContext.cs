using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.Admin.Contract;

/// <summary>The admin API's JSON: camelCase names, nulls written, unknown fields ignored. The silo adds it to its
/// HTTP JSON options; the CLI reads every answer with it.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(ApplyResponse))]
[JsonSerializable(typeof(List<ResourceOutcome>))]
[JsonSerializable(typeof(ResourceList))]
[JsonSerializable(typeof(DeleteResponse))]
[JsonSerializable(typeof(ServiceDescription))]
[JsonSerializable(typeof(InfoResponse))]
[JsonSerializable(typeof(IdentitiesResponse))]
[JsonSerializable(typeof(TokenRequest))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(RotateIssuerResponse))]
[JsonSerializable(typeof(List<ServiceStatsRow>))]
[JsonSerializable(typeof(ServiceStatsDetail))]
[JsonSerializable(typeof(List<EdgeStatsRow>))]
[JsonSerializable(typeof(RouteStatsResponse))]
[JsonSerializable(typeof(List<TopPathRow>))]
[JsonSerializable(typeof(List<ProxyStatusRow>))]
[JsonSerializable(typeof(KubernetesSyncStatus))]
[JsonSerializable(typeof(LinkInfoResponse))]
[JsonSerializable(typeof(LinksResponse))]
[JsonSerializable(typeof(UnlinkResponse))]
[JsonSerializable(typeof(AdminProblemDetails))]
[JsonSerializable(typeof(ProblemFieldError[]))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class AdminJsonContext : JsonSerializerContext;
