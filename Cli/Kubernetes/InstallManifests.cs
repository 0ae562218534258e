using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Names;

namespace Mesh.Cli.Kubernetes;

/// <summary>
/// Renders deploy/ — the manifests under deploy/manifests/ and the CRDs under deploy/crds/, embedded in the CLI at
/// build — into one multi-document YAML stream for `kubectl apply -f -`. A template names its values as
/// <c>{{name}}</c>; every one of them is filled here, and a name the renderer does not know is an error (so a template
/// and this file cannot drift apart silently).
/// </summary>
internal static partial class InstallManifests
{
    private const string Prefix = "Mesh.Cli.Deploy.";

    /// <summary>One file of deploy/ and when it is part of the install.</summary>
    private sealed record Part(string Resource, Func<InstallOptions, bool> Included)
    {
        /// <summary>CRDs are shipped as they are (the upstream ones byte for byte); only manifests are templates.</summary>
        public bool IsTemplate => Resource.StartsWith("manifests.", StringComparison.Ordinal);
    }

    /// <summary>In apply order: CRDs first (cluster-scoped; established before anything uses them), then the namespace
    /// everything else lives in, RBAC and certificates before the pods that mount them, the webhook last (so the API server never calls an
    /// injector that is not there yet; with failurePolicy Ignore it would only skip injection).</summary>
    private static readonly Part[] Parts =
    [
        new("crds.policy.mesh.io_servers.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.policy.mesh.io_authorizationpolicies.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.policy.mesh.io_meshtlsauthentications.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.policy.mesh.io_networkauthentications.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.policy.mesh.io_httplocalratelimitpolicies.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.multicluster.mesh.io_links.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.multicluster.mesh.io_federationpeers.yaml", o => o.Crds != CrdSelection.Ignore),
        new("crds.gateway-api-v1.6.1.gateway.networking.k8s.io_httproutes.yaml", GatewayApi),
        new("crds.gateway-api-v1.6.1.gateway.networking.k8s.io_grpcroutes.yaml", GatewayApi),
        new("crds.gateway-api-v1.6.1.gateway.networking.k8s.io_referencegrants.yaml", GatewayApi),
        new("manifests.namespace.yaml", ControlPlane),
        new("manifests.rbac.yaml", ControlPlane),
        new("manifests.identity.yaml", ControlPlane),
        new("manifests.redis.yaml", ControlPlane),
        new("manifests.silo.yaml", ControlPlane),
        new("manifests.silo-pdb.yaml", o => ControlPlane(o) && o.HighAvailability),
        new("manifests.federation.yaml", o => ControlPlane(o) && o.Federation),
        new("manifests.gateway.yaml", o => ControlPlane(o) && o.Gateway),
        new("manifests.gateway-pdb.yaml", o => ControlPlane(o) && o.Gateway && o.HighAvailability),
        new("manifests.webhook.yaml", ControlPlane),
    ];

    private static bool ControlPlane(InstallOptions o) => o.Crds != CrdSelection.Only;
    private static bool GatewayApi(InstallOptions o) => o.Crds != CrdSelection.Ignore && o.GatewayApiCrds;

    /// <summary>The install as YAML documents separated by <c>---</c>.</summary>
    public static string Render(InstallOptions options, InstallIdentity identity)
    {
        var values = Values(options, identity);
        var output = new StringBuilder();
        output.Append("# mesh install ").Append(VersionOf()).Append(": namespace ").Append(options.Namespace)
            .Append(", ").Append(options.SiloReplicas).Append(options.SiloReplicas == 1 ? " silo" : " silos")
            .Append(". Apply with: mesh install | kubectl apply -f -\n");
        foreach (var part in Parts.Where(p => p.Included(options)))
        {
            output.Append("---\n# Source: deploy/").Append(SourcePath(part.Resource)).Append('\n');
            var text = Read(part.Resource);
            output.Append((part.IsTemplate ? Fill(part.Resource, text, values) : text).TrimEnd('\n')).Append('\n');
        }
        return output.ToString();
    }

    /// <summary>The value of every template name. Secret data is base64, free text a JSON string (valid YAML).</summary>
    private static Dictionary<string, string> Values(InstallOptions o, InstallIdentity id) => new(StringComparer.Ordinal)
    {
        ["namespace"] = o.Namespace,
        ["version"] = VersionOf(),
        ["siloReplicas"] = o.SiloReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["trustDomain"] = o.TrustDomain,
        ["siloImage"] = o.SiloImage,
        ["proxyImage"] = o.ProxyImage,
        ["redisImage"] = o.RedisImage,
        ["trustAnchorPem"] = Base64(id.TrustAnchorPem),
        ["issuerCertPem"] = Base64(id.IssuerCertPem),
        ["issuerKeyPem"] = Base64(id.IssuerKeyPem),
        ["trustBundleText"] = JsonSerializer.Serialize(id.TrustBundlePem, PlainJson),
        ["injectorCaPem"] = Base64(id.InjectorCaPem),
        ["injectorCertPem"] = Base64(id.InjectorCertPem),
        ["injectorKeyPem"] = Base64(id.InjectorKeyPem),
        ["siloFederationPort"] = o.Federation ? $"- name: federation\n  containerPort: {KubernetesObjects.FederationPort}" : "",
        ["siloMulticlusterEnv"] = MulticlusterEnv(o),
        ["gatewayReplicas"] = o.GatewayReplicas.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["gatewayStrategy"] = o.HighAvailability ? GatewayHaStrategy : "",
        ["gatewayAffinity"] = o.HighAvailability ? GatewayHaAffinity : "",
    };

    /// <summary>--ha: one gateway pod per node, like the silos (a node failure costs at most one), spread over zones
    /// when it can be. Replaced one at a time without a surge pod, which the anti-affinity could not place on a cluster
    /// with as many nodes as gateways; the other keeps serving (and the PodDisruptionBudget keeps drains to one).</summary>
    private const string GatewayHaStrategy = """
        strategy:
          type: RollingUpdate
          rollingUpdate:
            maxSurge: 0
            maxUnavailable: 1
        """;

    private const string GatewayHaAffinity = """
        affinity:
          podAntiAffinity:
            requiredDuringSchedulingIgnoredDuringExecution:
            - topologyKey: kubernetes.io/hostname
              labelSelector:
                matchLabels:
                  app.kubernetes.io/name: mesh-gateway
            preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: topology.kubernetes.io/zone
                labelSelector:
                  matchLabels:
                    app.kubernetes.io/name: mesh-gateway
        """;

    /// <summary>The silo's multi-cluster env (Silo/Hosting/FederationSettings reads it), as a block of list items.</summary>
    private static string MulticlusterEnv(InstallOptions o)
    {
        var env = new List<(string Name, string Value)>();
        if (o.ClusterName is { } name) env.Add(("MESH_CLUSTER_NAME", name));
        if (o.Federation) env.Add(("MESH_FEDERATION_ADDR", $"0.0.0.0:{KubernetesObjects.FederationPort}"));
        if (o.Gateway && o.GatewayAddress is { } address)
        {
            env.Add(("MESH_MULTICLUSTER_GATEWAY", address));
            env.Add(("MESH_MULTICLUSTER_GATEWAY_IDENTITY", o.GatewayIdentity));
        }
        return string.Join('\n', env.Select(e => $"- name: {e.Name}\n  value: {JsonSerializer.Serialize(e.Value, PlainJson)}"));
    }

    /// <summary>A name alone on its line is a block: its lines take that line's indentation, and an empty value
    /// drops the line (optional list items such as the silo's multi-cluster env). Any other name is inline text.</summary>
    private static string Fill(string resource, string template, IReadOnlyDictionary<string, string> values)
    {
        string Value(Match m) => values.TryGetValue(m.Groups["name"].Value, out var value) ? value
            : throw new InvalidOperationException($"deploy/{SourcePath(resource)}: unknown template value {{{{{m.Groups["name"].Value}}}}}");
        var blocks = BlockPlaceholder().Replace(template, m =>
        {
            var value = Value(m);
            var indent = m.Groups["indent"].Value;
            return value.Length == 0 ? "" : string.Concat(value.Split('\n').Select(line => indent + line + "\n"));
        });
        return Placeholder().Replace(blocks, Value);
    }

    private static string Read(string resource)
    {
        using var stream = typeof(InstallManifests).Assembly.GetManifestResourceStream(Prefix + resource)
            ?? throw new InvalidOperationException($"deploy/{SourcePath(resource)} is not embedded in the CLI (Cli/Mesh.Cli.csproj)");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>"crds.gateway-api-v1.6.1.x.yaml" → "crds/gateway-api-v1.6.1/x.yaml", for the Source comments.</summary>
    private static string SourcePath(string resource)
    {
        var folder = resource.StartsWith("crds.gateway-api-v1.6.1.", StringComparison.Ordinal) ? "crds.gateway-api-v1.6.1." : resource[..(resource.IndexOf('.') + 1)];
        return folder.TrimEnd('.').Replace("crds.", "crds/", StringComparison.Ordinal) + "/" + resource[folder.Length..];
    }

    /// <summary>JSON strings without \\u escapes for '+' and the like: a PEM in the ConfigMap stays readable.</summary>
    private static readonly JsonSerializerOptions PlainJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string VersionOf() => Commands.VersionCommand.ClientVersion;

    [GeneratedRegex(@"\{\{(?<name>[A-Za-z]+)\}\}")]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"^(?<indent> *)\{\{(?<name>[A-Za-z]+)\}\}\n", RegexOptions.Multiline)]
    private static partial Regex BlockPlaceholder();
}
