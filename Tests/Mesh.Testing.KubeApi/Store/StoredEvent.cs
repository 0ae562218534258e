using System.Text.Json.Nodes;

namespace Mesh.Testing.KubeApi.Store;

/// <summary>One committed change: the new object (for DELETED, the last state at the deletion's version) and the one it
/// replaced, so watches can replay it and a list can rebuild any uncompacted version.</summary>
internal sealed record StoredEvent(long ResourceVersion, string Type, ObjectKey Key, JsonObject Object, JsonObject? Previous);
