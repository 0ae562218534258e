using Mesh.Abstractions.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Silo.Hosting;

/// <summary>Builds and starts one silo: Orleans + Kestrel (admin and control listeners) in one generic host, with
/// every <see cref="ISiloModule"/> plugged in. Used by <see cref="SiloProgram"/> and by in-process tests.</summary>
public sealed class SiloHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SiloHost(WebApplication app, SiloSettings settings)
    {
        _app = app;
        Settings = settings;
    }

    public SiloSettings Settings { get; }
    public IServiceProvider Services => _app.Services;
    public Uri AdminUri => new(Settings.AdminUrl);
    public Uri ControlUri => new(Settings.ControlUrl);

    public static async Task<SiloHost> StartAsync(SiloSettings settings, IReadOnlyList<ISiloModule>? modules = null,
        CancellationToken cancellationToken = default)
    {
        modules ??= SiloModules.All;
        // Content root = the silo's own directory and no reload watcher: `mesh silo` started in some project's folder must
        // not pick up that project's appsettings.json (Kestrel endpoints, logging) nor watch its directory tree.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"], ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(15));

        builder.Services.AddProblemDetails(); // unhandled errors answer RFC 7807 problem+json, not a bare 500
        builder.Services.AddSingleton(settings);
        builder.Services.AddSingleton(AdminToken.LoadOrCreate(settings.TokenPath));
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(ReconcileSettings.Default with { TrustDomain = settings.TrustDomain });

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(settings.Admin, lo =>
            {
                lo.Protocols = HttpProtocols.Http1;
                foreach (var m in modules) m.ConfigureListener(SiloListeners.Admin, lo, settings);
            });
            k.Listen(settings.Control, lo =>
            {
                lo.Protocols = HttpProtocols.Http2;
                foreach (var m in modules) m.ConfigureListener(SiloListeners.Control, lo, settings);
            });
        });
        builder.UseOrleans(silo =>
        {
            OrleansSetup.Configure(silo, settings);
            foreach (var m in modules) m.ConfigureSilo(silo, settings);
        });
        foreach (var m in modules) m.ConfigureServices(builder.Services, settings);

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseRouting();
        app.UseListenerFilter(settings);
        foreach (var m in modules) m.MapEndpoints(app, settings);

        await app.StartAsync(cancellationToken);
        return new SiloHost(app, settings);
    }

    /// <summary>Completes when the host is asked to stop (SIGINT/SIGTERM or <see cref="StopAsync"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync()
    {
        try { await _app.StopAsync(); }
        finally { await _app.DisposeAsync(); }
    }
}
