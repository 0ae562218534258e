using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources.Kinds;

namespace Mesh.Abstractions.Resources.Derivation;

/// <summary>Derives what one Workload's inbound proxy admits: the Servers selecting it (port resolved against the
/// workload's ports), the AuthorizationPolicies on each Server or on the Namespace with their authentications
/// resolved, and the Server's HTTPLocalRateLimitPolicy. A policy whose required authentication is missing is
/// dropped: it authorizes nothing (deny, never open).</summary>
internal static class InboundPolicyDeriver
{
    public static InboundPolicyView Derive(WorkloadResource workload, NamespaceResources all, ReconcileSettings settings)
    {
        var ports = WorkloadPorts.Declared(workload, all);
        var servers = ImmutableArray.CreateBuilder<InboundServerView>();
        foreach (var server in all.Servers)
        {
            if (!LabelSelectorMatcher.Matches(server.Spec.PodSelector, workload.Metadata.Labels)) continue;
            var port = server.Spec.Port.Number ?? (ports.TryGetValue(server.Spec.Port.Name ?? "", out var named) ? named : (int?)null);
            if (port is null) continue; // a named port this workload lacks: the Server does not apply to it
            servers.Add(new InboundServerView(server.Metadata.Name, port.Value, server.Spec.ProxyProtocol,
                Authorizations(server, all, settings.TrustDomain), RateLimit(server, all, settings.TrustDomain))
            {
                TrustedGateways = server.Spec.TrustedGateways,
            });
        }
        var defaultPolicy = AnnotationReader.ReadDefaultPolicy(workload.Metadata.Annotations) ?? settings.DefaultPolicy;
        return new InboundPolicyView(workload.Metadata.Namespace, workload.Metadata.Name, true, defaultPolicy,
            settings.ClusterNetworks, servers.ToImmutable(), ports, WorkloadPorts.Identity(workload, settings.TrustDomain));
    }

    private static ImmutableArray<AuthorizationView> Authorizations(ServerResource server, NamespaceResources all, string trustDomain)
    {
        var ns = all.Namespace;
        var result = ImmutableArray.CreateBuilder<AuthorizationView>();
        foreach (var policy in all.AuthorizationPolicies)
        {
            var t = policy.Spec.TargetRef;
            var targetsServer = t.Kind == "Server" && t.Name == server.Metadata.Name && (t.Namespace ?? ns) == ns;
            var targetsNamespace = t.Kind == "Namespace" && t.Name == ns;
            if (!targetsServer && !targetsNamespace) continue;
            if (Resolve(policy, all, trustDomain) is { } view) result.Add(view);
        }
        return result.ToImmutable();
    }

    /// <summary>The policy with its references resolved, or null when any reference is missing.</summary>
    private static AuthorizationView? Resolve(AuthorizationPolicyResource policy, NamespaceResources all, string trustDomain)
    {
        var ns = all.Namespace;
        var identities = new List<string>();
        var networks = new List<NetworkView>();
        bool requireIdentity = false, requireNetwork = false;
        foreach (var r in policy.Spec.RequiredAuthenticationRefs)
        {
            // Only this namespace's resources are at hand; a reference elsewhere counts as missing (deny).
            if ((r.Namespace ?? ns) != ns && r.Kind != "ServiceAccount") return null;
            switch (r.Kind)
            {
                case "MeshTLSAuthentication":
                    var mtls = all.MeshTlsAuthentications.FirstOrDefault(m => m.Metadata.Name == r.Name);
                    if (mtls is null) return null;
                    requireIdentity = true;
                    identities.AddRange(mtls.Spec.Identities);
                    identities.AddRange(mtls.Spec.IdentityRefs.Where(i => i.Kind == "ServiceAccount")
                        .Select(i => Names.SpiffeId.Format(trustDomain, i.Namespace ?? ns, i.Name)));
                    break;
                case "NetworkAuthentication":
                    var net = all.NetworkAuthentications.FirstOrDefault(n => n.Metadata.Name == r.Name);
                    if (net is null) return null;
                    requireNetwork = true;
                    networks.AddRange(net.Spec.Networks.Select(n => new NetworkView(n.Cidr, n.Except)));
                    break;
                case "ServiceAccount":
                    requireIdentity = true;
                    identities.Add(Names.SpiffeId.Format(trustDomain, r.Namespace ?? ns, r.Name));
                    break;
                default:
                    return null;
            }
        }
        return new AuthorizationView(policy.Metadata.Name, [.. identities.Distinct(StringComparer.Ordinal)], requireIdentity,
            [.. networks], requireNetwork);
    }

    /// <summary>The rate limit on a Server: the oldest policy targeting it, then by name (Linkerd allows one).</summary>
    private static RateLimitView? RateLimit(ServerResource server, NamespaceResources all, string trustDomain)
    {
        var policy = all.RateLimits
            .Where(p => p.Spec.TargetRef.Kind == "Server" && p.Spec.TargetRef.Name == server.Metadata.Name
                && (p.Spec.TargetRef.Namespace ?? all.Namespace) == all.Namespace)
            .OrderBy(p => p.Metadata.CreationTimestamp ?? DateTimeOffset.MaxValue)
            .ThenBy(p => p.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        if (policy is null) return null;
        var overrides = policy.Spec.Overrides.Select(o => new RateLimitOverrideView(o.RequestsPerSecond,
            [.. o.ClientRefs.Where(c => c.Kind == "ServiceAccount").Select(c => Names.SpiffeId.Format(trustDomain, c.Namespace ?? all.Namespace, c.Name))]));
        return new RateLimitView(policy.Metadata.Name, policy.Spec.Total?.RequestsPerSecond ?? 0,
            policy.Spec.Identity?.RequestsPerSecond ?? 0, [.. overrides]);
    }
}
