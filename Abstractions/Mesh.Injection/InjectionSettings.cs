using Mesh.Names;

namespace Mesh.Injection;

/// <summary>What every injected proxy gets unless a `config.mesh.io/*` annotation says otherwise: its image and version,
/// where the control plane is, and its default log level. The webhook builds one from the silo's settings, `mesh inject`
/// from its flags.</summary>
public sealed record InjectionSettings
{
    /// <summary>The proxy image without a tag; the tag is <see cref="Version"/>.</summary>
    public string Image { get; init; } = DefaultImage;
    public string Version { get; init; } = DefaultVersion;
    /// <summary>The control Service as proxies dial it (MESH_CONTROL_ADDR of the proxy): mesh TLS, gRPC.</summary>
    public string ControlAddress { get; init; } = DefaultControlAddress;
    public string LogLevel { get; init; } = "warning";
    /// <summary>The silo's trust domain: the proxies' identities and the silo's own are in it (MESH_PROXY_TRUST_DOMAIN,
    /// written only when it is not the default, so a default install's pods carry one variable less).</summary>
    public string TrustDomain { get; init; } = SpiffeId.DefaultTrustDomain;

    public const string DefaultImage = "ghcr.io/mesh/mesh-proxy";
    public static readonly string DefaultVersion = typeof(InjectionSettings).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";
    public static readonly string DefaultControlAddress =
        $"https://{KubernetesObjects.ControlService}.{KubernetesObjects.Namespace}.svc.{NameDefaults.ClusterDomain}:{KubernetesObjects.ControlPort}";

    /// <summary>The problems of these settings (empty when usable), each naming the setting.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Image.Length == 0 || Image.Any(char.IsWhiteSpace) || Image.Contains('@'))
            problems.Add($"proxy image '{Image}' is not an image name like ghcr.io/mesh/mesh-proxy (the tag is the version)");
        if (ProxyConfigReader.VersionProblem(Version) is { } vp) problems.Add($"proxy version '{Version}': {vp}");
        if (!Uri.TryCreate(ControlAddress, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http") || uri.Port <= 0)
            problems.Add($"control address '{ControlAddress}' is not a URL like {DefaultControlAddress}");
        if (!ProxyConfigReader.LogLevels.Contains(LogLevel))
            problems.Add($"log level '{LogLevel}': use {string.Join(", ", ProxyConfigReader.LogLevels)}");
        return problems;
    }
}
