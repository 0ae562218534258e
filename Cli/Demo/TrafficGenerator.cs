using System.Diagnostics;
using System.Net;

namespace Mesh.Cli.Demo;

/// <summary>Sends a steady, bounded stream of requests to the bookstore's front end through a sidecar.</summary>
internal static class TrafficGenerator
{
    private static readonly string[] Paths = ["/api/books", "/api/books/1", "/api/books/3", "/api/books/5", "/"];

    /// <summary>Runs until <paramref name="ct"/> fires, at most <paramref name="requestsPerSecond"/> per second.</summary>
    public static async Task RunAsync(Uri target, Uri? proxy, int requestsPerSecond, CancellationToken ct)
    {
        using var client = new HttpClient(new SocketsHttpHandler
        {
            Proxy = proxy is null ? null : new WebProxy(proxy),
            UseProxy = proxy is not null,
        }) { Timeout = TimeSpan.FromSeconds(10) };
        var interval = TimeSpan.FromSeconds(1.0 / Math.Clamp(requestsPerSecond, 1, 1000));
        var clock = Stopwatch.StartNew();
        long sent = 0;
        // At most this many requests in flight: a slow mesh gets fewer requests, never an unbounded pile.
        var inFlight = new SemaphoreSlim(64);
        Console.WriteLine($"demo-traffic: {requestsPerSecond} rps to {target}");
        while (!ct.IsCancellationRequested)
        {
            var path = Paths[sent % Paths.Length];
            sent++;
            if (inFlight.Wait(0))
                _ = SendAsync(client, new Uri(target, path), inFlight, ct);
            var due = interval * sent - clock.Elapsed;
            if (due > TimeSpan.Zero)
            {
                try { await Task.Delay(due, ct); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    private static async Task SendAsync(HttpClient client, Uri uri, SemaphoreSlim inFlight, CancellationToken ct)
    {
        try
        {
            using var response = await client.GetAsync(uri, ct);
            await response.Content.CopyToAsync(Stream.Null, ct);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TaskCanceledException)
        {
            // The proxies count failures; the generator only keeps the load steady.
        }
        finally
        {
            inFlight.Release();
        }
    }
}
