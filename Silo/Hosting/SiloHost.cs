using Mesh.Abstractions.Resources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
    /// <summary>The federation listener (https: mesh mTLS); null when it is off.</summary>
    public Uri? FederationUri => Settings.FederationUrl is { } url ? new(url) : null;

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
            // HTTP/2 limits of the control listener, explicit (Kestrel's defaults): 100 concurrent streams per
            // connection (proxies open more connections beyond that, ControlPlaneConnection), 4 KiB HPACK table,
            // 16 KiB frames, 32 KiB of request headers per stream.
            k.Limits.Http2.MaxStreamsPerConnection = 100;
            k.Limits.Http2.HeaderTableSize = 4096;
            k.Limits.Http2.MaxFrameSize = 16 * 1024;
            k.Limits.Http2.MaxRequestHeaderFieldSize = 32 * 1024;
            k.Listen(settings.Control, lo =>
            {
                lo.Protocols = HttpProtocols.Http2;
                foreach (var m in modules) m.ConfigureListener(SiloListeners.Control, lo, settings);
            });
            if (settings.Federation is { } federation)
                k.Listen(federation, lo =>
                {
                    lo.Protocols = HttpProtocols.Http2;
                    foreach (var m in modules) m.ConfigureListener(SiloListeners.Federation, lo, settings);
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
        app.Use(NotFoundOnControlHasBody(settings));
        app.UseListenerFilter(settings);
        foreach (var m in modules) m.MapEndpoints(app, settings);

        try { await app.StartAsync(cancellationToken); }
        catch
        {
            // A failed start (a port taken) releases what did start — Orleans, the state store and its data-dir lock —
            // so the caller may try again in this process.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try { await app.StopAsync(stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or OrleansException) { }
            await app.DisposeAsync();
            throw;
        }
        return new SiloHost(app, settings);
    }

    /// <summary>A 404 on the control port says what the port is for, in a body. Besides helping whoever curls it, a
    /// response with DATA keeps its stream open while the client's flow-control window is 0, which is what HTTP/2
    /// conformance tools rely on to count concurrent streams (h2spec 5.1.2, generic 2/2 and 2/3); a bodiless 404
    /// closed each stream at once, so the 101st stream arrived to a server with free slots.</summary>
    private static Func<RequestDelegate, RequestDelegate> NotFoundOnControlHasBody(SiloSettings settings) => next => async context =>
    {
        await next(context);
        if (context.Response.StatusCode == StatusCodes.Status404NotFound && !context.Response.HasStarted
            && context.Connection.LocalPort == settings.Control.Port)
        {
            // Read what the client sends first (up to 64 KiB), as an app that handles the request would: answering
            // while the request is still open closes the stream with RST_STREAM(NO_ERROR) before later frames for it
            // are read, so a client's flow-control error on that stream would go unreported (h2spec 6.9.1/3 then saw
            // NO_ERROR instead of FLOW_CONTROL_ERROR about one run in four).
            await DrainAsync(context.Request.Body, 64 * 1024, context.RequestAborted);
            if (context.RequestAborted.IsCancellationRequested) return;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync("not found: this is the mesh control port; it serves gRPC (mesh.v1.Discovery, Identity, Telemetry) to proxies\n");
        }
    };

    private static async Task DrainAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        var buffer = new byte[4096];
        try
        {
            for (var total = 0; total < limit;)
            {
                var n = await body.ReadAsync(buffer, cancellationToken);
                if (n == 0) return;
                total += n;
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            // The client reset or broke the stream: there is nobody to answer.
        }
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
