using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>How the fake writes JSON: like Go's encoder, without escaping quotes and angle brackets inside strings.</summary>
internal static class JsonOutput
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, MaxDepth = 256 };
}
