using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mesh.Testing.KubeApi.Http;

/// <summary>Writes JSON bodies and Status errors the way the API server does (Retry-After on 429/5xx with a delay).</summary>
internal static class Responses
{
    public static async Task Json(HttpContext ctx, int code, JsonNode body, string contentType = "application/json")
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = contentType;
        var bytes = Encoding.UTF8.GetBytes(body.ToJsonString(JsonOutput.Options));
        ctx.Response.ContentLength = bytes.Length;
        await ctx.Response.Body.WriteAsync(bytes, ctx.RequestAborted);
    }

    public static Task Error(HttpContext ctx, ApiError error)
    {
        if (error.RetryAfterSeconds is { } s) ctx.Response.Headers.RetryAfter = s.ToString();
        return Json(ctx, error.Code, error.ToStatus());
    }
}
