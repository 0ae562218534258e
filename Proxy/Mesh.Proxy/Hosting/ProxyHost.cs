using System.Net;
using Mesh.Proxy.Admin;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Discovery;
using Mesh.Proxy.Errors;
using Mesh.Proxy.Inbound;
using Mesh.Proxy.Outbound;
using Mesh.Proxy.Resilience;
using Mesh.Proxy.Telemetry;
using Mesh.Proxy.Transport;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;

namespace Mesh.Proxy.Hosting;

/// <summary>Builds and starts the sidecar: Kestrel listeners (inbound, outbound, admin), discovery, the YARP pipeline, telemetry.</summary>
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

        var metrics = new ProxyMetrics();
        ProtocolDetection.Options inboundDetection = new(settings.HeaderTimeout, settings.DetectTimeout), outboundDetection = inboundDetection;
        var ports = new ListenerPorts
        {
            Inbound = settings.InboundAddress.Port,
            Outbound = settings.OutboundAddress.Port,
            Admin = settings.AdminAddress.Port,
        };
        ListenOptions? inboundListen = null, outboundListen = null, adminListen = null;
        var tls = MeshTlsSetup.Create(settings);
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
                lo.Use(ProtocolDetection.Middleware(TelemetryNames.Inbound, metrics, () => inboundDetection));
                lo.Use(ConnectionFieldTap.Middleware());
            });
            k.Listen(settings.OutboundAddress, lo =>
            {
                outboundListen = lo;
                lo.Protocols = HttpProtocols.Http1AndHttp2;
                if (settings.Transparent) lo.Use(OriginalDestination.Middleware());
                lo.Use(ProtocolDetection.Middleware(TelemetryNames.Outbound, metrics, () => outboundDetection));
                lo.Use(ConnectionFieldTap.Middleware());
            });
            k.Listen(settings.AdminAddress, lo =>
            {
                adminListen = lo;
                lo.Protocols = HttpProtocols.Http1;
                // Only to drop clients that connect and say nothing (Kestrel would keep them for its keep-alive timeout).
                var adminDetection = new ProtocolDetection.Options(settings.HeaderTimeout, settings.HeaderTimeout, Http2: false);
                lo.Use(ProtocolDetection.Middleware("admin", metrics, () => adminDetection));
            });
        });

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(ports);
        services.AddSingleton(metrics);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<InboundPolicyCompiler>();
        services.AddSingleton<DiscoveryClient>();
        services.AddSingleton<EndpointStats>();
        services.AddSingleton<MeshTransformer>();
        services.AddSingleton<ClusterRegistry>();
        services.AddSingleton<IClusterChangeListener>(sp => sp.GetRequiredService<ClusterRegistry>());
        services.AddSingleton<ProxyErrorReporter>();
        if (tls is not null)
        {
            services.AddSingleton(tls);
            services.TryAddSingleton<IEndpointConnector>(new MeshTlsEndpointConnector(tls.Client));
            services.AddSingleton(sp => new Identity.ProxyIdentity(
                new Api.V1.Identity.IdentityClient(sp.GetRequiredService<DiscoveryClient>().Channel),
                Tls.Identity.SpiffeId.Create(Tls.Identity.SpiffeId.DefaultTrustDomain, settings.Namespace, settings.ServiceAccount),
                new Identity.WorkloadToken(settings.Token, settings.TokenFile), tls.Trust, tls.Credentials,
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Identity.ProxyIdentity>>()));
            services.AddSingleton(sp => new Readiness(sp.GetRequiredService<DiscoveryClient>(), settings, sp.GetRequiredService<Identity.ProxyIdentity>()));
            tls.Credentials.Changed += c => metrics.SetCertificateExpiry(c.NotAfter);
        }
        else
        {
            services.AddSingleton(sp => new Readiness(sp.GetRequiredService<DiscoveryClient>(), settings));
        }
        services.TryAddSingleton<IEndpointConnector, PlaintextEndpointConnector>();
        services.AddSingleton<PassthroughForwarder>();
        services.AddSingleton(sp => new TelemetryReporter(settings, metrics.Stats, sp.GetRequiredService<DiscoveryClient>(), metrics, tls,
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<TelemetryReporter>>()));
        services.AddSingleton<Gateway.GatewayHandler>();
        services.AddSingleton<OpaqueTcp>();
        services.AddSingleton<OutboundRoutingMiddleware>();
        services.AddSingleton<RetryMiddleware>();
        services.AddSingleton<InboundHandler>();
        services.AddSingleton<AdminHandler>();
        services.AddSingleton<IdleMemoryTrimmer>();
        var exporter = new PrometheusTextExporter();
        services.AddSingleton(exporter);
        services.AddReverseProxy();
        services.Replace(ServiceDescriptor.Singleton<IForwarderHttpClientFactory>(sp => new MeshForwarderHttpClientFactory(sp.GetRequiredService<IEndpointConnector>())));
        services.AddSingleton<MeshConfigProvider>();
        services.AddSingleton<IProxyConfigProvider>(sp => sp.GetRequiredService<MeshConfigProvider>());
        services.AddSingleton<ILoadBalancingPolicy, PeakEwmaLoadBalancingPolicy>();
        services.AddSingleton<IPassiveHealthCheckPolicy, FailureAccrualHealthPolicy>();
        var otlp = settings.OtlpEndpoint;
        // An address that came from OTEL_EXPORTER_OTLP_ENDPOINT is the SDK's to apply (it then honours the per-signal
        // OTEL_EXPORTER_OTLP_{TRACES,METRICS}_ENDPOINT too); one from our flag or variable is set here.
        var sdkReadsEndpoint = otlp is not null && Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } fromEnv &&
            Uri.TryCreate(fromEnv, UriKind.Absolute, out var envUri) && envUri == otlp;
        var otel = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("mesh-proxy", serviceInstanceId: settings.ProxyId).AddAttributes(
            [
                new("mesh.workload", settings.Workload), new("mesh.namespace", settings.Namespace), new("mesh.mode", settings.Mode.ToString().ToLowerInvariant()),
            ]))
            .WithMetrics(m =>
            {
                m.AddMeter(metrics.MeterName, "Microsoft.AspNetCore.Server.Kestrel");
                m.AddView(TelemetryNames.ResponseLatencyMs, new ExplicitBucketHistogramConfiguration { Boundaries = TelemetryNames.LatencyBucketsMs });
                m.AddReader(new BaseExportingMetricReader(exporter));
                if (otlp is not null) m.AddOtlpExporter(o => { if (!sdkReadsEndpoint) SetOtlpEndpoint(o, otlp, "v1/metrics"); });
            });
        if (otlp is not null)
        {
            otel.WithTracing(t => t.AddSource("Microsoft.AspNetCore", "System.Net.Http", TelemetryNames.ActivitySourceName)
                .AddOtlpExporter(o => { if (!sdkReadsEndpoint) SetOtlpEndpoint(o, otlp, "v1/traces"); }));
        }
        configureServices?.Invoke(services);

        var app = builder.Build();
        var opaque = app.Services.GetRequiredService<OpaqueTcp>();
        inboundDetection = inboundDetection with { Opaque = opaque };
        outboundDetection = outboundDetection with { Opaque = opaque, Errors = app.Services.GetRequiredService<ProxyErrorReporter>() };
        var inbound = app.Services.GetRequiredService<InboundHandler>();
        var gateway = settings.Mode == ProxyMode.Gateway ? app.Services.GetRequiredService<Gateway.GatewayHandler>() : null;
        var admin = app.Services.GetRequiredService<AdminHandler>();
        var routing = app.Services.GetRequiredService<OutboundRoutingMiddleware>();
        var retry = app.Services.GetRequiredService<RetryMiddleware>();
        // Materialize the config provider so it subscribes to discovery before the first request.
        app.Services.GetRequiredService<MeshConfigProvider>();
        app.Use(RequestHygiene.Middleware(app.Services.GetRequiredService<ProxyErrorReporter>(), context =>
            context.Connection.LocalPort == ports.Inbound ? TelemetryNames.Inbound : context.Connection.LocalPort == ports.Outbound ? TelemetryNames.Outbound : null));
        app.Use(AsteriskForm.Middleware(context => context.Connection.LocalPort == ports.Inbound &&
            (settings.TrustAnchorsPath is null || context.Features.Get<PeerIdentityFeature>() is not null)));
        app.Use(next => context =>
        {
            var port = context.Connection.LocalPort;
            // A gateway's inbound requests go through the outbound pipeline (routing, balancing, mTLS) once admitted.
            if (port == ports.Inbound) return gateway is null ? inbound.InvokeAsync(context) : gateway.InvokeAsync(context, next);
            if (port == ports.Admin) return admin.InvokeAsync(context);
            return next(context);
        });
        app.UseRouting();
        app.MapReverseProxy(proxy =>
        {
            proxy.Use(routing.InvokeAsync);
            proxy.Use(retry.InvokeAsync);
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });

        var discovery = app.Services.GetRequiredService<DiscoveryClient>();
        discovery.Start();
        app.Services.GetRequiredService<TelemetryReporter>().Start(app.Lifetime);
        app.Services.GetRequiredService<IdleMemoryTrimmer>().Start();
        if (tls is not null)
        {
            // Disposed by the container with the host.
            app.Services.GetRequiredService<Identity.ProxyIdentity>().Start();
        }
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
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var ready = ReadyAsync(app.Services.GetRequiredService<Readiness>(), output, lifetime.ApplicationStopping);
        return new RunningProxy(app, inboundEp, outboundEp, adminEp, ready);
    }

    private static async Task ReadyAsync(Readiness readiness, TextWriter? output, CancellationToken stopping)
    {
        await readiness.WhenReadyAsync(stopping);
        output?.WriteLine("mesh-proxy: ready");
        output?.Flush();
    }

    /// <summary>The collector's address as OTEL_EXPORTER_OTLP_ENDPOINT means it: the base for gRPC; with
    /// OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf the signal's path goes after it (as the SDK does for that variable).</summary>
    private static void SetOtlpEndpoint(OpenTelemetry.Exporter.OtlpExporterOptions options, Uri endpoint, string signalPath) =>
        options.Endpoint = options.Protocol == OpenTelemetry.Exporter.OtlpExportProtocol.HttpProtobuf
            ? new Uri(endpoint.AbsoluteUri.TrimEnd('/') + "/" + signalPath)
            : endpoint;

    private static IPEndPoint Bound(ListenOptions options, IPEndPoint configured) =>
        options.IPEndPoint is { Port: > 0 } ep ? ep : configured;
}
