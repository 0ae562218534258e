using System.Text.Json.Nodes;

namespace Mesh.Testing.KubeApi.Watch;

/// <summary>One line of a watch stream (<c>{"type":..,"object":..}</c>), or, with <see cref="Abort"/>, the order to
/// cut the connection without a clean end (fault injection).</summary>
internal sealed record WatchFrame(string Type, JsonObject? Object, bool Abort = false)
{
    public static readonly WatchFrame Dropped = new("", null, Abort: true);

    public string ToLine() => new JsonObject { ["type"] = Type, ["object"] = Object }.ToJsonString(Http.JsonOutput.Options) + "\n";
}
