using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Mesh.Names;
using A = Mesh.Injection.ProxyConfigAnnotations;

namespace Mesh.Injection;

/// <summary>Reads `mesh.io/inject` and the `config.mesh.io/*` overrides of one pod (pod over namespace) into a
/// <see cref="ProxyConfig"/>. Every bad value is an error naming its annotation; an unknown `config.mesh.io/` key is a
/// warning (it may be meant for a newer injector).</summary>
internal static partial class ProxyConfigReader
{
    public static readonly IReadOnlyList<string> LogLevels = ["trace", "debug", "information", "warning", "error"];
    private static readonly string[] Policies = ["all-unauthenticated", "all-authenticated", "cluster-authenticated", "deny"];

    /// <summary>The mode asked for, <paramref name="fallback"/> when nobody says, null (and an error) for a bad value.</summary>
    public static InjectMode? Mode(AnnotationSource annotations, InjectMode? fallback, List<InjectionError> errors, out bool invalid)
    {
        invalid = false;
        if (annotations.Find(KubernetesObjects.InjectAnnotation) is not { } found) return fallback;
        if (InjectModes.Parse(found.Value) is { } mode) return mode;
        errors.Add(new(found.Path, $"'{found.Value}' is not a mode: use enabled, disabled or ingress"));
        invalid = true;
        return null;
    }

    public static ProxyConfig Read(AnnotationSource a, InjectMode mode, InjectionSettings settings, List<InjectionError> errors, List<string> warnings)
    {
        foreach (var (key, path) in a.Keys())
            if (key.StartsWith(KubernetesObjects.ConfigAnnotationPrefix, StringComparison.Ordinal) && !A.All.Contains(key))
                warnings.Add($"{path}: not a proxy setting this injector knows; ignored");

        string? Text(string key, Func<string, string?> problem)
        {
            if (a.Find(key) is not { } f) return null;
            if (problem(f.Value) is { } p) { errors.Add(new(f.Path, p)); return null; }
            return f.Value;
        }
        int Port(string key, int fallback)
        {
            var text = Text(key, v => PortNumber.TryParse(v, out _) ? null : $"'{v}' is not a port (1-65535)");
            return text is null ? fallback : int.Parse(text, CultureInfo.InvariantCulture);
        }

        var config = new ProxyConfig
        {
            Mode = mode,
            Image = Text(A.Image, v => v.Length == 0 || v.Any(char.IsWhiteSpace) || v.Contains('@') ? $"'{v}' is not an image name (the tag comes from {A.Version})" : null) ?? settings.Image,
            Version = Text(A.Version, VersionProblem) ?? settings.Version,
            ControlAddress = settings.ControlAddress,
            TrustDomain = settings.TrustDomain,
            LogLevel = Text(A.LogLevel, v => LogLevels.Contains(v) ? null : $"'{v}' is not a log level: use {string.Join(", ", LogLevels)}") ?? settings.LogLevel,
            InboundPort = Port(A.InboundPort, KubernetesObjects.ProxyInboundPort),
            OutboundPort = Port(A.OutboundPort, KubernetesObjects.ProxyOutboundPort),
            AdminPort = Port(A.AdminPort, KubernetesObjects.ProxyAdminPort),
            ProxyUid = Text(A.ProxyUid, v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var u) && u > 0
                ? null : $"'{v}' is not a uid (a whole number > 0; the proxy never runs as root)") is { } uid
                ? int.Parse(uid, CultureInfo.InvariantCulture) : KubernetesObjects.ProxyUid,
            OpaquePorts = Text(A.OpaquePorts, PortListProblem),
            SkipInboundPorts = Text(A.SkipInboundPorts, PortListProblem),
            SkipOutboundPorts = Text(A.SkipOutboundPorts, PortListProblem),
            SkipSubnets = Text(A.SkipSubnets, SubnetListProblem),
            DefaultInboundPolicy = Text(A.DefaultInboundPolicy, v => Policies.Contains(v) ? null : $"'{v}' is not a policy: use {string.Join(", ", Policies)}"),
            CpuRequest = Text(A.CpuRequest, QuantityProblem),
            CpuLimit = Text(A.CpuLimit, QuantityProblem),
            MemoryRequest = Text(A.MemoryRequest, QuantityProblem),
            MemoryLimit = Text(A.MemoryLimit, QuantityProblem),
            NativeSidecar = Text(A.NativeSidecar, v => v is "true" or "false" ? null : $"'{v}' is not true or false") is not "false",
        };
        var ports = new[] { (A.InboundPort, config.InboundPort), (A.OutboundPort, config.OutboundPort), (A.AdminPort, config.AdminPort) };
        foreach (var clash in ports.GroupBy(p => p.Item2).Where(g => g.Count() > 1))
        {
            // Name the annotation that moved a port onto another's (a default cannot clash with a default).
            var moved = clash.Select(c => a.Find(c.Item1)).Last(f => f is not null)!.Value;
            errors.Add(new(moved.Path, $"port {clash.Key} is given to {string.Join(" and ", clash.Select(c => c.Item1))}: the proxy's listeners need distinct ports"));
        }
        return config;
    }

    /// <summary>A version is a label value (the injector writes it into `mesh.io/proxy-version`) and an image tag.</summary>
    public static string? VersionProblem(string v) =>
        VersionPattern().IsMatch(v) ? null : "not a version like 0.1.0 (letters, digits, '.', '-', '_'; at most 63, starting and ending alphanumeric)";

    /// <summary>The proxy's port list syntax: "3306,6379-6380" (ports 1-65535, ranges low-high).</summary>
    public static string? PortListProblem(string v)
    {
        foreach (var part in v.Split(',', StringSplitOptions.TrimEntries))
        {
            var dash = part.IndexOf('-');
            var ok = dash > 0
                ? PortNumber.TryParse(part.AsSpan(0, dash), out var lo) && PortNumber.TryParse(part.AsSpan(dash + 1), out var hi) && lo <= hi
                : PortNumber.TryParse(part, out _);
            if (!ok) return $"'{part}' is not a port (1-65535) or a range like 8000-8010";
        }
        return null;
    }

    private static string? SubnetListProblem(string v)
    {
        foreach (var part in v.Split(',', StringSplitOptions.TrimEntries))
            if (!IPNetwork.TryParse(part, out _)) return $"'{part}' is not a CIDR like 10.0.0.0/8";
        return null;
    }

    private static string? QuantityProblem(string v) =>
        QuantityPattern().IsMatch(v) ? null : $"'{v}' is not a Kubernetes quantity like 100m, 0.5, 64Mi or 1Gi";

    [GeneratedRegex("^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^([0-9]+(\\.[0-9]+)?|\\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")]
    private static partial Regex QuantityPattern();
}
