using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Mesh.Names;

namespace Mesh.Proxy.Configuration;

/// <summary>Builds <see cref="ProxySettings"/> from MESH_PROXY_* variables, then command-line flags (flags win).</summary>
/// <remarks>Every setting has one name: env MESH_PROXY_INBOUND_ADDR is flag --inbound-addr. Errors name the setting.</remarks>
public static class SettingsParser
{
    /// <summary>Setting names (flag form) accepted, with a one-line description for --help.</summary>
    public static readonly ImmutableArray<(string Name, string Help)> Known =
    [
        ("namespace", "namespace of the workload (default: default)"),
        ("workload", "name of the workload this sidecar serves"),
        ("service-account", "service account, names the identity (default: the workload)"),
        ("inbound-addr", "inbound listener ip:port (default 0.0.0.0:4143; port 0 = any free)"),
        ("outbound-addr", "outbound listener ip:port (default 127.0.0.1:4140)"),
        ("admin-addr", "admin listener ip:port (default 127.0.0.1:4191)"),
        ("app-addr", "where inbound forwards: ip or ip:port (default 127.0.0.1)"),
        ("control-addr", "silo gRPC address (default https://127.0.0.1:8086 = mesh TLS, needs --trust-anchors; http:// = h2c; env MESH_CONTROL_ADDR)"),
        ("token", "identity token"),
        ("token-file", "file holding the identity token"),
        ("trust-anchors", "PEM file of the mesh trust anchors"),
        ("trust-domain", "trust domain of this workload's identity and of the silo it certifies with (default cluster.local; a linked cluster has its own, e.g. west.mesh)"),
        ("strict-pq", "true: only post-quantum key exchange"),
        ("default-inbound-policy", "all-unauthenticated | all-authenticated | cluster-authenticated | deny"),
        ("opaque-ports", "comma-separated ports proxied as opaque TCP"),
        ("detect-timeout", "a client that sends nothing this long is opaque TCP in transparent mode, else dropped (default 10s)"),
        ("services", "comma-separated services the workload serves (for golden-metric attribution)"),
        ("transparent", "true: iptables redirects traffic here (read SO_ORIGINAL_DST)"),
        ("log-level", "trace | debug | information | warning | error (default warning)"),
        ("otlp-endpoint", "OpenTelemetry collector for spans and metrics, e.g. http://127.0.0.1:4317 (default: none; env OTEL_EXPORTER_OTLP_ENDPOINT too)"),
        ("proxy-uid", "init: uid whose traffic is not redirected (default 2102)"),
        ("skip-inbound-ports", "init: comma-separated inbound ports not redirected"),
        ("skip-outbound-ports", "init: comma-separated outbound ports not redirected"),
        ("skip-subnets", "init: comma-separated CIDRs not redirected"),
        ("remove", "init: delete the rules instead of writing them"),
    ];

    /// <summary>Parses settings; throws <see cref="FormatException"/> naming the bad setting.</summary>
    public static ProxySettings Parse(IReadOnlyList<string> args, IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, _) in Known)
        {
            var env = "MESH_PROXY_" + name.Replace('-', '_').ToUpperInvariant();
            if (environment[env] is string v && v.Length > 0) values[name] = v;
        }
        if (environment["MESH_CONTROL_ADDR"] is string control && control.Length > 0) values["control-addr"] = control;
        // OpenTelemetry's own variable, as every instrumented process reads it; MESH_PROXY_OTLP_ENDPOINT wins.
        if (environment["OTEL_EXPORTER_OTLP_ENDPOINT"] is string otlp && otlp.Length > 0) values.TryAdd("otlp-endpoint", otlp);

        var mode = ProxyMode.Sidecar;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (i == 0 && !arg.StartsWith('-'))
            {
                mode = arg switch
                {
                    "sidecar" => ProxyMode.Sidecar,
                    "gateway" => ProxyMode.Gateway,
                    "init" => ProxyMode.Init,
                    _ => throw new FormatException($"unknown mode '{arg}': use sidecar, gateway or init"),
                };
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal)) throw new FormatException($"unexpected argument '{arg}'");
            var name = arg[2..];
            string? value = null;
            var eq = name.IndexOf('=');
            if (eq >= 0) { value = name[(eq + 1)..]; name = name[..eq]; }
            if (!Known.Any(k => k.Name == name)) throw new FormatException($"unknown flag '--{name}' (see --help)");
            if (value is null)
            {
                var isBool = name is "strict-pq" or "transparent" or "remove";
                if (isBool && (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))) value = "true";
                else if (i + 1 < args.Count) value = args[++i];
                else throw new FormatException($"flag '--{name}' needs a value");
            }
            values[name] = value;
        }
        return Build(mode, values);
    }

    private static ProxySettings Build(ProxyMode mode, Dictionary<string, string> v)
    {
        var s = new ProxySettings { Mode = mode };
        string? Get(string name) => v.TryGetValue(name, out var x) ? x : null;
        if (Get("namespace") is { } ns) s = s with { Namespace = ns };
        if (Get("workload") is { } wl) s = s with { Workload = wl };
        s = s with { ServiceAccount = Get("service-account") ?? s.Workload };
        if (Get("inbound-addr") is { } ia) s = s with { InboundAddress = ParseEndPoint("inbound-addr", ia) };
        if (Get("outbound-addr") is { } oa) s = s with { OutboundAddress = ParseEndPoint("outbound-addr", oa) };
        if (Get("admin-addr") is { } aa) s = s with { AdminAddress = ParseEndPoint("admin-addr", aa) };
        if (Get("app-addr") is { } app)
        {
            if (IPAddress.TryParse(app, out var host)) s = s with { AppHost = host };
            else { var ep = ParseEndPoint("app-addr", app); s = s with { AppHost = ep.Address, AppPort = ep.Port }; }
        }
        if (Get("control-addr") is { } ca)
        {
            if (!Uri.TryCreate(ca.Contains("://", StringComparison.Ordinal) ? ca : "https://" + ca, UriKind.Absolute, out var uri))
                throw new FormatException($"control-addr '{ca}' is not an address like https://127.0.0.1:8086");
            s = s with { ControlAddress = uri };
        }
        s = s with { Token = Get("token"), TokenFile = Get("token-file"), TrustAnchorsPath = Get("trust-anchors") };
        if (Get("trust-domain") is { } td)
        {
            if (!SpiffeId.TryParse(SpiffeId.Format(td, "ns", "sa"), out _))
                throw new FormatException($"trust-domain '{td}' is not a trust domain: use lowercase letters, digits, '-' and '.', e.g. west.mesh");
            s = s with { TrustDomain = td };
        }
        if (Get("strict-pq") is { } pq) s = s with { StrictPq = ParseBool("strict-pq", pq) };
        if (Get("transparent") is { } tr) s = s with { Transparent = ParseBool("transparent", tr) };
        if (Get("remove") is { } rm) s = s with { Remove = ParseBool("remove", rm) };
        if (Get("default-inbound-policy") is { } dp) s = s with { DefaultInboundPolicy = ParsePolicy(dp) };
        else if (mode == ProxyMode.Gateway) s = s with { DefaultInboundPolicy = DefaultInboundPolicy.AllAuthenticated };
        if (mode == ProxyMode.Gateway && string.IsNullOrEmpty(s.TrustAnchorsPath))
            throw new FormatException("gateway mode needs --trust-anchors (MESH_PROXY_TRUST_ANCHORS): a gateway only accepts mesh mTLS");
        if (Get("services") is { } svcs) s = s with { Services = [.. svcs.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)] };
        if (Get("opaque-ports") is { } op) s = s with { OpaquePorts = ParsePorts("opaque-ports", op).ToImmutableHashSet() };
        if (Get("skip-inbound-ports") is { } sip) s = s with { SkipInboundPorts = ParsePorts("skip-inbound-ports", sip) };
        if (Get("skip-outbound-ports") is { } sop) s = s with { SkipOutboundPorts = ParsePorts("skip-outbound-ports", sop) };
        if (Get("skip-subnets") is { } ss)
        {
            var nets = ss.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            foreach (var n in nets)
                if (!IPNetwork.TryParse(n, out _)) throw new FormatException($"skip-subnets: '{n}' is not a CIDR like 10.0.0.0/8");
            s = s with { SkipSubnets = [.. nets] };
        }
        if (Get("proxy-uid") is { } uid)
        {
            if (!int.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var u)) throw new FormatException($"proxy-uid '{uid}' is not a number");
            s = s with { ProxyUid = u };
        }
        if (Get("detect-timeout") is { } dt) s = s with { DetectTimeout = ParseDuration("detect-timeout", dt) };
        if (Get("log-level") is { } ll) s = s with { LogLevel = ParseLogLevel(ll) };
        if (Get("otlp-endpoint") is { } oe)
        {
            if (!Uri.TryCreate(oe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                throw new FormatException($"otlp-endpoint '{oe}' is not a collector address like http://127.0.0.1:4317");
            s = s with { OtlpEndpoint = uri };
        }
        return s;
    }

    /// <summary>Parses "ip:port", "[v6]:port" or ":port" (all interfaces).</summary>
    public static IPEndPoint ParseEndPoint(string setting, string text)
    {
        if (text.StartsWith(':')) text = "0.0.0.0" + text;
        if (IPEndPoint.TryParse(text, out var ep) && text.Contains(':', StringComparison.Ordinal) && ep.Port is >= 0 and <= 65535 &&
            (text.LastIndexOf(':') > text.LastIndexOf(']')))
            return ep;
        throw new FormatException($"{setting} '{text}' is not an address like 127.0.0.1:4140");
    }

    /// <summary>Parses "250ms", "10s", "2m" (a bare number is seconds); must be positive.</summary>
    public static TimeSpan ParseDuration(string setting, string text)
    {
        var t = text.Trim().ToLowerInvariant();
        var (number, unit) = t.EndsWith("ms", StringComparison.Ordinal) ? (t[..^2], 0.001)
            : t.EndsWith('s') ? (t[..^1], 1.0)
            : t.EndsWith('m') ? (t[..^1], 60.0)
            : (t, 1.0);
        if (double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n) && n > 0 && n * unit <= 3600)
            return TimeSpan.FromSeconds(n * unit);
        throw new FormatException($"{setting} '{text}' is not a duration like 500ms, 10s or 1m (at most 1h)");
    }

    private static bool ParseBool(string setting, string text) => text.ToLowerInvariant() switch
    {
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        _ => throw new FormatException($"{setting} '{text}' is not true or false"),
    };

    private static ImmutableArray<int> ParsePorts(string setting, string text)
    {
        var ports = ImmutableArray.CreateBuilder<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            if (dash > 0 && int.TryParse(part[..dash], CultureInfo.InvariantCulture, out var lo) && int.TryParse(part[(dash + 1)..], CultureInfo.InvariantCulture, out var hi) && lo is > 0 and <= 65535 && hi >= lo && hi <= 65535)
                for (var p = lo; p <= hi; p++) ports.Add(p);
            else if (int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is > 0 and <= 65535) ports.Add(p);
            else throw new FormatException($"{setting}: '{part}' is not a port (1-65535) or a range like 8000-8010");
        }
        return ports.ToImmutable();
    }

    public static DefaultInboundPolicy ParsePolicy(string text) => text.ToLowerInvariant() switch
    {
        "all-unauthenticated" => DefaultInboundPolicy.AllUnauthenticated,
        "all-authenticated" => DefaultInboundPolicy.AllAuthenticated,
        "cluster-authenticated" => DefaultInboundPolicy.ClusterAuthenticated,
        "deny" => DefaultInboundPolicy.Deny,
        _ => throw new FormatException($"default-inbound-policy '{text}': use all-unauthenticated, all-authenticated, cluster-authenticated or deny"),
    };

    private static LogLevel ParseLogLevel(string text) => text.ToLowerInvariant() switch
    {
        "trace" => LogLevel.Trace,
        "debug" => LogLevel.Debug,
        "info" or "information" => LogLevel.Information,
        "warn" or "warning" => LogLevel.Warning,
        "error" => LogLevel.Error,
        "off" or "none" => LogLevel.None,
        _ => throw new FormatException($"log-level '{text}': use trace, debug, information, warning or error"),
    };
}
