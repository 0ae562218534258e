using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>One request the fake admin API received.</summary>
internal sealed record RecordedRequest(string Method, string PathAndQuery, string? Authorization, string Body);

/// <summary>A real Kestrel on 127.0.0.1:0 answering admin API calls with canned responses (keyed by method and
/// path with query); anything not canned gets a 404 problem, as the silo answers unknown resources.</summary>
internal sealed class FakeAdminApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, (int Status, string ContentType, string Body)> _responses = new();
    private readonly ConcurrentDictionary<string, bool> _hanging = new();
    private readonly ConcurrentQueue<(Func<RecordedRequest, bool> When, (int Status, string ContentType, string Body) Response)> _conditional = new();

    private FakeAdminApi(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    /// <summary>Headers set on every response (e.g. a Date far from now, for clock-skew checks).</summary>
    public ConcurrentDictionary<string, string> ResponseHeaders { get; } = new();

    public static async Task<FakeAdminApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http1));
        var app = builder.Build();
        FakeAdminApi? fake = null;
        app.Run(context => fake!.HandleAsync(context));
        await app.StartAsync();
        fake = new FakeAdminApi(app, new Uri(app.Urls.Single()));
        return fake;
    }

    public void Respond(string method, string pathAndQuery, int status, string body, string contentType = "application/json") =>
        _responses[$"{method} {pathAndQuery}"] = (status, contentType, body);

    /// <summary>Never answers requests to this path (until the client gives up): a silo that hangs.</summary>
    public void Hang(string method, string pathAndQuery) => _hanging[$"{method} {pathAndQuery}"] = true;

    /// <summary>Answers requests matching <paramref name="when"/> (checked before the canned paths) with a problem.</summary>
    public void RespondProblemWhen(Func<RecordedRequest, bool> when, int status, string problemJson) =>
        _conditional.Enqueue((when, (status, "application/problem+json", problemJson)));

    public void RespondProblem(string method, string pathAndQuery, int status, string problemJson) =>
        Respond(method, pathAndQuery, status, problemJson, "application/problem+json");

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var pathAndQuery = context.Request.Path + context.Request.QueryString;
        var request = new RecordedRequest(context.Request.Method, pathAndQuery, context.Request.Headers.Authorization.ToString(), body);
        Requests.Enqueue(request);
        if (_hanging.ContainsKey($"{context.Request.Method} {pathAndQuery}"))
        {
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { });
            return;
        }
        var conditional = _conditional.FirstOrDefault(c => c.When(request));
        var response = conditional.When is not null ? conditional.Response : default;
        if (conditional.When is null && !_responses.TryGetValue($"{context.Request.Method} {pathAndQuery}", out response))
            response = (404, "application/problem+json", $$"""{"title":"Not Found","status":404,"detail":"nothing canned for {{context.Request.Method}} {{pathAndQuery}}"}""");
        foreach (var (name, value) in ResponseHeaders)
            context.Response.Headers[name] = value;
        context.Response.StatusCode = response.Status;
        context.Response.ContentType = response.ContentType;
        await context.Response.WriteAsync(response.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
