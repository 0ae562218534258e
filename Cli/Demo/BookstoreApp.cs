using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Cli.Demo;

/// <summary>The demo's bookstore: `web` → `books` (v1, v2) → `authors`. Each role is one small HTTP app that calls
/// the next through its sidecar (HTTP_PROXY), so every hop between services is meshed. `authors` fails a
/// configurable share of requests so success rates are non-trivial.</summary>
internal static class BookstoreApp
{
    public const string BooksAuthority = "books.default.svc.cluster.local:8080";
    public const string AuthorsAuthority = "authors.default.svc.cluster.local:8080";

    internal static readonly IReadOnlyList<Book> Catalog =
    [
        new(1, "The Left Hand of Darkness", 1),
        new(2, "A Wizard of Earthsea", 1),
        new(3, "Kindred", 2),
        new(4, "Parable of the Sower", 2),
        new(5, "Solaris", 3),
        new(6, "The Cyberiad", 3),
    ];

    internal static readonly IReadOnlyDictionary<int, Author> Authors = new Dictionary<int, Author>
    {
        [1] = new(1, "Ursula K. Le Guin"),
        [2] = new(2, "Octavia E. Butler"),
        [3] = new(3, "Stanisław Lem"),
    };

    /// <summary>Runs one role until <paramref name="ct"/> fires. Prints "demo-app: listening http://…" when bound.</summary>
    public static async Task RunAsync(DemoAppOptions options, CancellationToken ct)
    {
        // Not configured from the user's working directory (appsettings.json, a reload watcher on every folder under it).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(options.Listen));
        builder.Services.AddHttpClient("upstream", c => c.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                // The sidecar's outbound port, given as HTTP_PROXY by `mesh run`.
                Proxy = options.Proxy is null ? null : new WebProxy(options.Proxy),
                UseProxy = options.Proxy is not null,
                PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            });
        var app = builder.Build();
        var random = new Random();
        var upstream = app.Services.GetRequiredService<IHttpClientFactory>();

        // An upstream failure becomes this service's 502, so the failure shows in every hop's success rate.
        app.Use(async (context, next) =>
        {
            try { await next(context); }
            catch (UpstreamException e) when (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status502BadGateway;
                await context.Response.WriteAsync(e.Message, CancellationToken.None);
            }
        });
        app.MapGet("/healthz", () => Results.Text("ok"));
        switch (options.Role)
        {
            case "web":
                app.MapGet("/", async (CancellationToken rq) =>
                {
                    var books = await GetJsonAsync<BookWithAuthor[]>(upstream, $"http://{BooksAuthority}/books", rq);
                    var rows = string.Concat(books.Select(b => $"<li>{WebUtility.HtmlEncode(b.Title)} — {WebUtility.HtmlEncode(b.Author)}</li>"));
                    return Results.Content($"<!doctype html><title>Bookstore</title><h1>Bookstore</h1><ul>{rows}</ul>", "text/html");
                });
                app.MapGet("/api/books", async (CancellationToken rq) =>
                    Results.Json(await GetJsonAsync<BookWithAuthor[]>(upstream, $"http://{BooksAuthority}/books", rq), DemoJson.Default.BookWithAuthorArray));
                app.MapGet("/api/books/{id:int}", async (int id, CancellationToken rq) =>
                    Results.Json(await GetJsonAsync<BookWithAuthor>(upstream, $"http://{BooksAuthority}/books/{id}", rq), DemoJson.Default.BookWithAuthor));
                break;
            case "books":
                app.MapGet("/books", async (HttpResponse response, CancellationToken rq) =>
                {
                    response.Headers["x-books-version"] = options.Version;
                    var result = new List<BookWithAuthor>();
                    foreach (var book in Catalog.Take(options.Version == "v2" ? 6 : 4))
                    {
                        var author = await GetJsonAsync<Author>(upstream, $"http://{AuthorsAuthority}/authors/{book.AuthorId}", rq);
                        result.Add(new(book.Id, book.Title, author.Name, options.Version));
                    }
                    return Results.Json(result.ToArray(), DemoJson.Default.BookWithAuthorArray);
                });
                app.MapGet("/books/{id:int}", async (int id, HttpResponse response, CancellationToken rq) =>
                {
                    response.Headers["x-books-version"] = options.Version;
                    var book = Catalog.FirstOrDefault(b => b.Id == id);
                    if (book is null) return Results.NotFound();
                    var author = await GetJsonAsync<Author>(upstream, $"http://{AuthorsAuthority}/authors/{book.AuthorId}", rq);
                    return Results.Json(new BookWithAuthor(book.Id, book.Title, author.Name, options.Version), DemoJson.Default.BookWithAuthor);
                });
                break;
            case "authors":
                app.MapGet("/authors/{id:int}", (int id) =>
                {
                    if (options.FailureRate > 0 && random.NextDouble() < options.FailureRate)
                        return Results.Problem("authors: injected failure (demo)", statusCode: 500);
                    return Authors.TryGetValue(id, out var a) ? Results.Json(a, DemoJson.Default.Author) : Results.NotFound();
                });
                break;
            default:
                throw new ArgumentException($"unknown demo role '{options.Role}' (web, books, authors)");
        }

        await app.StartAsync(ct);
        Console.WriteLine($"demo-app: listening http://{options.Listen}");
        try { await Task.Delay(Timeout.Infinite, ct); }
        catch (OperationCanceledException) { }
        await app.StopAsync(CancellationToken.None);
    }

    private static async Task<T> GetJsonAsync<T>(IHttpClientFactory factory, string url, CancellationToken ct)
    {
        HttpResponseMessage response;
        try { response = await factory.CreateClient("upstream").GetAsync(url, ct); }
        catch (HttpRequestException e) { throw new UpstreamException($"{url}: {e.Message}"); }
        using var _ = response;
        if (!response.IsSuccessStatusCode)
            throw new UpstreamException($"{url} answered {(int)response.StatusCode}");
        var info = DemoJson.Default.GetTypeInfo(typeof(T)) ?? throw new InvalidOperationException($"no JSON contract for {typeof(T)}");
        return (T)(await JsonSerializer.DeserializeAsync(await response.Content.ReadAsStreamAsync(ct), info, ct)
            ?? throw new UpstreamException($"{url} answered an empty body"));
    }
}

internal sealed class UpstreamException(string message) : Exception(message);

internal sealed record DemoAppOptions(string Role, IPEndPoint Listen, string Version, double FailureRate, Uri? Proxy);

internal sealed record Book(int Id, string Title, int AuthorId);
internal sealed record Author(int Id, string Name);
internal sealed record BookWithAuthor(int Id, string Title, string Author, string Version);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Author))]
[JsonSerializable(typeof(BookWithAuthor))]
[JsonSerializable(typeof(BookWithAuthor[]))]
internal sealed partial class DemoJson : JsonSerializerContext;
