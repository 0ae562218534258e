using System.CommandLine;
using Mesh.Cli.Kubernetes;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh install`: renders the control plane's Kubernetes manifests (deploy/) to stdout for
/// `| kubectl apply -f -`, with a fresh trust anchor and issuer (or the CA of `--ca-dir`) and a fresh injector
/// certificate whose CA is the webhook's caBundle. Contacts nothing: the output is the whole install.</summary>
internal static class InstallCommand
{
    /// <summary>Namespaces the control plane may not take: it excludes its namespace from injection, and `mesh
    /// uninstall` deletes it.</summary>
    private static readonly string[] ReservedNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    public static Command Create(CliContext context)
    {
        var ha = new Option<bool>("--ha") { Description = "High availability: 3 silos on different nodes and a PodDisruptionBudget (default: 1 silo)" };
        var ns = NamespaceOption();
        var trustDomain = new Option<string?>("--trust-domain") { Description = "Trust domain of the identities (default: MESH_TRUST_DOMAIN or cluster.local)", HelpName = "name" };
        var caDir = new Option<string?>("--ca-dir") { Description = "Use this CA (from `mesh identity init`) instead of a fresh one; its anchor key stays there", HelpName = "dir" };
        var siloImage = new Option<string>("--silo-image") { Description = "Image of the silo", DefaultValueFactory = _ => $"{KubernetesObjects.SiloImage}:{VersionCommand.ClientVersion}", HelpName = "image" };
        var proxyImage = new Option<string>("--proxy-image") { Description = "Image the injector gives meshed pods", DefaultValueFactory = _ => $"{KubernetesObjects.ProxyImage}:{VersionCommand.ClientVersion}", HelpName = "image" };
        var redisImage = new Option<string>("--redis-image") { Description = "Image of Redis", DefaultValueFactory = _ => "redis:7.4", HelpName = "image" };
        var crdsOnly = new Option<bool>("--crds-only") { Description = "Render only the CRDs (apply them first)" };
        var ignoreCrds = new Option<bool>("--ignore-crds") { Description = "Leave the CRDs out (they are managed elsewhere)" };
        var skipGatewayApi = new Option<bool>("--skip-gateway-api") { Description = "Leave the Gateway API v1.6.1 CRDs out (the cluster has them)" };
        var clusterName = ClusterNameOption();
        var federation = new Option<bool>("--federation") { Description = $"Serve the federation API (silo :{KubernetesObjects.FederationPort}) behind a LoadBalancer Service mesh-federation, for linked clusters (needs --cluster-name)" };
        var gateway = new Option<bool>("--gateway") { Description = $"Run a multicluster gateway (the proxy image in gateway mode) behind a LoadBalancer Service mesh-gateway (:{MulticlusterNames.DefaultGatewayPort})" };
        var gatewayAddress = GatewayAddressOption();
        var command = new Command("install", "Render the control plane's Kubernetes manifests (for `| kubectl apply -f -`)")
        {
            ha, ns, trustDomain, caDir, siloImage, proxyImage, redisImage, crdsOnly, ignoreCrds, skipGatewayApi,
            clusterName, federation, gateway, gatewayAddress,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(crdsOnly) && result.GetValue(ignoreCrds)) result.AddError("--crds-only and --ignore-crds exclude each other: choose one");
            if (result.GetValue(federation) && result.GetValue(clusterName) is null)
                result.AddError("--federation needs --cluster-name: the name linked clusters know this one by, e.g. --cluster-name west");
            if (result.GetValue(gatewayAddress) is not null && !result.GetValue(gateway))
                result.AddError("--gateway-address is the address of the gateway --gateway renders: add --gateway");
            if (result.GetValue(crdsOnly) && (result.GetValue(clusterName) is not null || result.GetValue(federation) || result.GetValue(gateway)))
                result.AddError("--crds-only renders no silo or gateway: leave out --cluster-name, --federation and --gateway");
        });
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => Task.FromResult(Run(context, new Request(
            parse.GetValue(ha), parse.GetValue(ns)!, parse.GetValue(trustDomain), parse.GetValue(caDir), parse.GetValue(siloImage)!,
            parse.GetValue(proxyImage)!, parse.GetValue(redisImage)!,
            parse.GetValue(crdsOnly) ? CrdSelection.Only : parse.GetValue(ignoreCrds) ? CrdSelection.Ignore : CrdSelection.Include,
            !parse.GetValue(skipGatewayApi), parse.GetValue(clusterName), parse.GetValue(federation), parse.GetValue(gateway),
            parse.GetValue(gatewayAddress)))), ct));
        return command;
    }

    /// <summary>`--cluster-name`: MESH_CLUSTER_NAME, a DNS label (what the silo accepts, and what mirrors are named after).</summary>
    private static Option<string?> ClusterNameOption()
    {
        var name = new Option<string?>("--cluster-name") { Description = "This cluster's name as linked clusters know it (the silo's MESH_CLUSTER_NAME), e.g. west", HelpName = "name" };
        name.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !DnsLabel.IsValid(value))
                result.AddError($"--cluster-name '{value}' is not a DNS label: use 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit, e.g. west");
        });
        return name;
    }

    /// <summary>`--gateway-address`: the gateway's LoadBalancer address as peers dial it, host:port (the silo's MESH_MULTICLUSTER_GATEWAY).</summary>
    private static Option<string?> GatewayAddressOption()
    {
        var address = new Option<string?>("--gateway-address")
        {
            Description = $"Where peers reach the gateway: its LoadBalancer's address, host:port (e.g. 203.0.113.7:{MulticlusterNames.DefaultGatewayPort}); the silo advertises it. Known once the LoadBalancer is allocated: install again with it",
            HelpName = "host:port",
        };
        address.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string?>();
            if (value is not null && !Mesh.Names.Authority.TryParse(value, defaultPort: null, out _, out var error))
                result.AddError($"--gateway-address '{value}' is not host:port ({error}), e.g. 203.0.113.7:{MulticlusterNames.DefaultGatewayPort}");
        });
        return address;
    }

    /// <summary>`--namespace`/`-n`, validated as a DNS label outside the reserved namespaces; shared with uninstall.</summary>
    internal static Option<string> NamespaceOption()
    {
        var ns = new Option<string>("--namespace", "-n") { Description = "Namespace of the control plane", DefaultValueFactory = _ => KubernetesObjects.Namespace, HelpName = "ns" };
        ns.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!DnsLabel.IsValid(value))
                result.AddError($"--namespace '{value}' is not a namespace name: use 1-63 lowercase letters, digits or '-', starting and ending with a letter or digit");
            else if (ReservedNamespaces.Contains(value))
                result.AddError($"--namespace '{value}' is not for the control plane: it would be excluded from injection and deleted by mesh uninstall; use its own, e.g. {KubernetesObjects.Namespace}");
        });
        return ns;
    }

    private sealed record Request(bool HighAvailability, string Namespace, string? TrustDomain, string? CaDir, string SiloImage,
        string ProxyImage, string RedisImage, CrdSelection Crds, bool GatewayApiCrds, string? ClusterName, bool Federation, bool Gateway,
        string? GatewayAddress);

    private static int Run(CliContext context, Request request)
    {
        var trustDomain = NonEmpty(request.TrustDomain) ?? NonEmpty(context.GetEnvironmentVariable("MESH_TRUST_DOMAIN")) ?? SpiffeId.DefaultTrustDomain;
        if (!IdentityInitCommand.IsValidTrustDomain(trustDomain))
            throw new CliException($"trust domain '{trustDomain}' is not a trust domain", hint: "use lowercase letters, digits, '-' and '.', e.g. cluster.local");
        var options = new InstallOptions
        {
            Namespace = request.Namespace, HighAvailability = request.HighAvailability, TrustDomain = trustDomain,
            SiloImage = request.SiloImage, ProxyImage = request.ProxyImage, RedisImage = request.RedisImage,
            Crds = request.Crds, GatewayApiCrds = request.GatewayApiCrds,
            ClusterName = request.ClusterName, Federation = request.Federation, Gateway = request.Gateway, GatewayAddress = request.GatewayAddress,
        };
        var identity = options.Crds == CrdSelection.Only ? InstallIdentity.None : InstallIdentity.For(Authority(context, request.CaDir, trustDomain), options.Namespace);
        context.Console.Out.Write(InstallManifests.Render(options, identity));
        if (options.Crds != CrdSelection.Only && request.CaDir is null)
            context.Console.Note("a fresh trust anchor was made for this install; its private key was not kept (to rotate the issuer later, install with --ca-dir from `mesh identity init`)");
        // The LoadBalancer's address exists only once it is allocated; until the silo advertises it, peers cannot use the gateway.
        if (options.Gateway && options.GatewayAddress is null)
            context.Console.Note($"the silo advertises no gateway yet: once Service {options.Namespace}/mesh-gateway has its LoadBalancer address, " +
                $"install again with the same flags and --ca-dir plus --gateway-address <address>:{MulticlusterNames.DefaultGatewayPort} (it sets MESH_MULTICLUSTER_GATEWAY and MESH_MULTICLUSTER_GATEWAY_IDENTITY={options.GatewayIdentity} on the silo)");
        return ExitCodes.Ok;
    }

    private static CertificateAuthority Authority(CliContext context, string? caDir, string trustDomain)
    {
        if (caDir is null) return CertificateAuthority.Create(trustDomain);
        try
        {
            return CertificateAuthority.Load(Path.GetFullPath(caDir), trustDomain);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or InvalidOperationException)
        {
            throw new CliException($"--ca-dir {caDir}: cannot load the CA: {e.Message}",
                hint: $"create one with: mesh identity init --data-dir DIR (the CA is DIR/{IdentityInitCommand.CaDirectoryName})");
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
