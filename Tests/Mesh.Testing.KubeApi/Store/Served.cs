using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Kinds;

namespace Mesh.Testing.KubeApi.Store;

/// <summary>A copy of a stored object as served under one kind's version (custom resources are stored once per
/// group/resource and served unconverted under every served version).</summary>
internal static class Served
{
    public static JsonObject As(JsonObject stored, KindInfo kind)
    {
        var copy = stored.DeepClone().AsObject();
        copy["apiVersion"] = kind.ApiVersion;
        copy["kind"] = kind.Kind;
        return copy;
    }
}
