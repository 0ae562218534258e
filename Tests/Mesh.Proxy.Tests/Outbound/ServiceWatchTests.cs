using System.Collections.Concurrent;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Outbound;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Outbound;

/// <summary>A service watch whose stream fails keeps its last state and reconnects, and says so: a warning (event 204)
/// and <c>discovery_errors_total{kind="service",reason}</c>.</summary>
public sealed class ServiceWatchTests
{
    private const string Books = "books.default:8080";

    [Fact]
    public async Task RunAsync_ControlPlaneLost_LogsAndCountsTheFailureAndKeepsTheLastState()
    {
        await using var discovery = await FakeDiscoveryServer.StartAsync();
        discovery.SetService(Books, []);
        var log = new RecordingLoggerProvider();
        await using var proxy = await ProxyHost.StartAsync(MeshTopology.Settings(discovery, ""), output: null,
            services => services.AddSingleton<ILoggerProvider>(log), CancellationToken.None);
        var watch = proxy.Services.GetRequiredService<ServiceWatches>().Get(Books);
        Assert.NotNull(await watch.GetStateAsync(TimeSpan.FromSeconds(10), CancellationToken.None));

        await discovery.StopAsync();

        await Poll.UntilAsync(async () => (await proxy.MetricsAsync()).Contains("discovery_errors_total{kind=\"service\",reason=\"rpc-") &&
            log.Entries.Any(e => e.EventId == 204 && e.Level == LogLevel.Warning && e.Message.Contains(Books)),
            TimeSpan.FromSeconds(15), "the failed watch to be counted and logged");
        Assert.True(watch.State is { Exists: true }, "the last state is kept");
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public ConcurrentQueue<(int EventId, LogLevel Level, string Message)> Entries { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Recorder(Entries);

        public void Dispose() { }

        private sealed class Recorder(ConcurrentQueue<(int, LogLevel, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Enqueue((eventId.Id, logLevel, formatter(state, exception)));
        }
    }
}
