using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Kubernetes.Tests.KubeApi.Admission;

/// <summary>A webhook for the fake's own tests: real Kestrel HTTPS on 127.0.0.1:0 with a <see cref="WebhookCertificates"/>
/// certificate; every AdmissionReview it gets is kept, and <c>answer</c> writes the reply body (the review's request in,
/// the JSON to send out).</summary>
internal sealed class TestWebhook : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<JsonObject> _reviews = new();

    private TestWebhook(WebApplication app, string url) { _app = app; Url = url; }

    public string Url { get; }
    public IReadOnlyCollection<JsonObject> Reviews => _reviews;

    public static async Task<TestWebhook> StartAsync(WebhookCertificates certs, Func<JsonObject, Task<JsonNode>> answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.UseHttps(certs.Server)));
        var app = builder.Build();
        TestWebhook? self = null;
        app.MapPost("/mutate", async (HttpContext c) =>
        {
            var review = (await JsonNode.ParseAsync(c.Request.Body))!.AsObject();
            self!._reviews.Enqueue(review);
            var reply = await answer(review["request"]!.AsObject());
            c.Response.ContentType = "application/json";
            await c.Response.WriteAsync(reply.ToJsonString());
        });
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        self = new TestWebhook(app, url.Replace("[::]", "127.0.0.1") + "/mutate");
        return self;
    }

    /// <summary>The reply that allows, with an optional JSON patch.</summary>
    public static JsonNode Allow(JsonObject request, JsonArray? patch = null, params string[] warnings)
    {
        var response = new JsonObject { ["uid"] = (string?)request["uid"], ["allowed"] = true };
        if (patch is not null)
        {
            response["patchType"] = "JSONPatch";
            response["patch"] = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(patch.ToJsonString()));
        }
        if (warnings.Length > 0) response["warnings"] = new JsonArray([.. warnings.Select(w => (JsonNode)w)]);
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
