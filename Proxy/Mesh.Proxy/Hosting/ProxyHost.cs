using System.Net;
using Mesh.Proxy.Admin;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Proxy.Hosting;

/// <summary>Builds and starts the sidecar: the Kestrel listeners (inbound, outbound, admin) and their connection stages, then
/// the <see cref="ProxyModules"/> (control plane, identity, outbound, inbound, gateway, admin, telemetry) in order.</summary>
public static class ProxyHost
{
    /// <summary>Starts the proxy; prints "mesh-proxy: inbound|outbound|admin ADDR" and later "mesh-proxy: ready" to <paramref name="output"/>.</summary>
    public static Task<RunningProxy> StartAsync(ProxySettings settings, TextWriter? output = null, CancellationToken cancellationToken = default) =>
        StartAsync(settings, output, configureServices: null, cancellationToken);

    internal static async Task<RunningProxy> StartAsync(ProxySettings settings, TextWriter? output, Action<IServiceCollection>? configureServices, CancellationToken cancellationToken)
    {
        // No reload-on-change for appsettings*.json: its watcher adds an inotify watch for every directory under the working
        // directory (212 when started in a repository checkout; all of / when started there) and keeps a thread for it.
        // Content root = the proxy's own directory: started in an app's folder (`mesh run`), it must not read the app's
        // appsettings.json (a Kestrel:Endpoints section there would open the app's ports in the proxy).
        AppContext.SetSwitch(RequestHygiene.DisableLineFeedTerminators, true);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false"], ApplicationName = "mesh-proxy", ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(settings.LogLevel);
        // Kestrel warns that cleartext HTTP/2 is off on mixed endpoints; ProtocolDetection turns it on. DataProtection is unused.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft.AspNetCore.DataProtection", LogLevel.Error);
        // ASP.NET Core's hosting starts an Activity and a log scope for every request whenever its diagnostics logger is
        // enabled at any level (it logs "Request starting/finished" at Information and Debug). A proxy logging warnings
        // needs neither: off below Debug. Tracing (OTLP) still gets its spans through the activity source listener, and
        // a client's traceparent is forwarded as it came.
        if (settings.LogLevel > LogLevel.Debug) builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.DrainTimeout);

        var levers = HostingLevers.FromEnvironment();
        var metrics = new ProxyMetrics(recording: levers.Metrics);
        var tls = MeshTlsSetup.Create(settings, levers.TlsSkipDataWaitWhenBusy);
        var host = new ProxyHostContext(settings, metrics, tls, levers);
        var modules = ProxyModules.All;
        var errors = new ProxyErrorReporter(metrics);
        ProtocolDetection.Options inboundDetection = new(settings.HeaderTimeout, settings.DetectTimeout), outboundDetection = inboundDetection;
        var ports = new ListenerPorts
        {
            Inbound = settings.InboundAddress.Port,
            Outbound = settings.OutboundAddress.Port,
            Admin = settings.AdminAddress.Port,
        };
        ListenOptions? inboundListen = null, outboundListen = null, adminListen = null;
        builder.WebHost.UseSockets(o =>
        {
            o.WaitForDataBeforeAllocatingBuffer = levers.WaitForDataBeforeAllocatingBuffer;
            o.UnsafePreferInlineScheduling = levers.PreferInlineScheduling;
        });
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.AllowHostHeaderOverride = true;
            k.AllowAlternateSchemes = true;
            k.Limits.RequestHeadersTimeout = settings.HeaderTimeout;
            k.Limits.Http2.MaxStreamsPerConnection = 1000;
            k.Listen(settings.InboundAddress, lo =>
            {
                inboundListen = lo;
                lo.Protocols = HttpProtocols.Http1AndHttp2;
                if (settings.Transparent) lo.Use(OriginalDestination.Middleware());
                if (tls is not null) lo.Use(MeshTlsInbound.Middleware(tls.Server, metrics, settings.HeaderTimeout, settings.DetectTimeout));
                lo.Use(ProtocolDetection.Middleware(ProxyListeners.Inbound, metrics, () => inboundDetection));
                lo.Use(ConnectionFieldTap.Middleware());
            });
            k.Listen(settings.OutboundAddress, lo =>
            {
                outboundListen = lo;
                lo.Protocols = HttpProtocols.Http1AndHttp2;
                if (settings.Transparent) lo.Use(OriginalDestination.Middleware());
                lo.Use(ProtocolDetection.Middleware(ProxyListeners.Outbound, metrics, () => outboundDetection));
                lo.Use(ConnectionFieldTap.Middleware());
            });
            k.Listen(settings.AdminAddress, lo =>
            {
                adminListen = lo;
                lo.Protocols = HttpProtocols.Http1;
                // Only to drop clients that connect and say nothing (Kestrel would keep them for its keep-alive timeout).
                var adminDetection = new ProtocolDetection.Options(settings.HeaderTimeout, settings.HeaderTimeout, Http2: false);
                lo.Use(ProtocolDetection.Middleware(ProxyListeners.Admin, metrics, () => adminDetection));
            });
        });

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(ports);
        services.AddSingleton(metrics);
        services.AddSingleton(errors);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OpaqueTcp>();
        services.AddSingleton<IdleMemoryTrimmer>();
        foreach (var module in modules) module.ConfigureServices(services, host);
        configureServices?.Invoke(services);

        var app = builder.Build();
        var opaque = app.Services.GetRequiredService<OpaqueTcp>();
        inboundDetection = inboundDetection with { Opaque = opaque };
        outboundDetection = outboundDetection with { Opaque = opaque, Errors = errors };
        app.Use(RequestHygiene.Middleware(errors, context =>
            ProxyListeners.Of(ports, context.Connection.LocalPort) is var listener && listener is ProxyListeners.Inbound or ProxyListeners.Outbound ? listener : null));
        // A mesh-request-target (asterisk-form across the mesh leg) counts only on the inbound and only from a verified
        // mesh peer (from any client when mesh TLS is off, as mesh-target-port).
        app.Use(AsteriskForm.Middleware(context => context.Connection.LocalPort == ports.Inbound &&
            (settings.TrustAnchorsPath is null || context.Features.Get<PeerIdentityFeature>() is not null)));
        app.Use(next =>
        {
            // Each listener's requests go to the first module that serves it; the rest (outbound) to the YARP pipeline.
            var handlers = ProxyListeners.All.ToDictionary(l => l, l => modules.Select(m => m.Serve(l, app.Services, next, host)).FirstOrDefault(h => h is not null));
            return context => ProxyListeners.Of(ports, context.Connection.LocalPort) is { } listener && handlers[listener] is { } handler
                ? handler(context)
                : next(context);
        });
        app.UseRouting();
        app.MapReverseProxy(proxy =>
        {
            foreach (var module in modules) module.ConfigureOutboundPipeline(proxy, host);
        });

        foreach (var module in modules) module.Start(app, host);
        app.Services.GetRequiredService<IdleMemoryTrimmer>().Start();
        await app.StartAsync(cancellationToken);

        var inboundEp = Bound(inboundListen!, settings.InboundAddress);
        var outboundEp = Bound(outboundListen!, settings.OutboundAddress);
        var adminEp = Bound(adminListen!, settings.AdminAddress);
        ports.Inbound = inboundEp.Port;
        ports.Outbound = outboundEp.Port;
        ports.Admin = adminEp.Port;
        output?.WriteLine($"mesh-proxy: inbound {inboundEp}");
        output?.WriteLine($"mesh-proxy: outbound {outboundEp}");
        output?.WriteLine($"mesh-proxy: admin {adminEp}");
        output?.Flush();
        var ready = ReadyAsync(app.Services.GetRequiredService<Readiness>(), output, app.Lifetime.ApplicationStopping);
        return new RunningProxy(app, inboundEp, outboundEp, adminEp, ready);
    }

    private static async Task ReadyAsync(Readiness readiness, TextWriter? output, CancellationToken stopping)
    {
        await readiness.WhenReadyAsync(stopping);
        output?.WriteLine("mesh-proxy: ready");
        output?.Flush();
    }

    private static IPEndPoint Bound(ListenOptions options, IPEndPoint configured) =>
        options.IPEndPoint is { Port: > 0 } ep ? ep : configured;
}
