using System.Text.Json;

namespace Mesh.Admin.Contract;

/// <summary>`GET /api/v1/resources/{kind}[?namespace=]`: the stored documents of a kind (canonical JSON, as applied).
/// `GET /api/v1/resources/{kind}/{ns}/{name}` answers one such document on its own.</summary>
public sealed record ResourceList(IReadOnlyList<JsonElement> Items);

/// <summary>`DELETE /api/v1/resources/{kind}/{ns}/{name}`.</summary>
public sealed record DeleteResponse(bool Deleted);
