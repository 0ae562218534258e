using Mesh.Abstractions;
using System.Collections.Immutable;
using Mesh.Abstractions.Model;
using Mesh.Abstractions.Resources;

namespace Mesh.Grains.Catalog;

/// <summary>The view writes that turn one derivation of a namespace into the next: only views that changed, and for
/// things that disappeared the "gone" value (service null + empty endpoints + default profile; inbound Missing).</summary>
public sealed record ViewWritePlan(
    ImmutableArray<(string Name, ServiceView? View)> Services,
    ImmutableArray<(string Name, EndpointSetView View)> EndpointSets,
    ImmutableArray<(string Name, ProfileView View)> Profiles,
    ImmutableArray<(string Name, InboundPolicyView View)> Inbound)
{
    /// <summary>Consumer-route profiles that changed, by target Service key ("&lt;ns&gt;/&lt;name&gt;"); a target whose last
    /// consumer route went away gets the default (empty) profile.</summary>
    public ImmutableArray<(string Target, ProfileView View)> ConsumerProfiles { get; init; } = [];

    /// <summary>This namespace's address claims that changed (endpoint null: released).</summary>
    public ImmutableArray<(string Key, WorkloadEndpoint? Endpoint)> Addresses { get; init; } = [];

    /// <summary>This namespace's Service claims on addresses (cluster IP × port) that changed (service null: released).</summary>
    public ImmutableArray<(string Key, string? Service)> ServiceAddresses { get; init; } = [];

    public int Count => Services.Length + EndpointSets.Length + Profiles.Length + Inbound.Length + ConsumerProfiles.Length + Addresses.Length
        + ServiceAddresses.Length;

    /// <param name="previous">The last derivation, or null when unknown (after reactivation): then every current view is
    /// written (view grains ignore equal values) and names from <paramref name="previousServices"/> /
    /// <paramref name="previousWorkloads"/> (and the consumer targets and address keys) that are gone are cleared.</param>
    public static ViewWritePlan Compute(string ns, DerivedNamespace? previous, DerivedNamespace next,
        IEnumerable<string> previousServices, IEnumerable<string> previousWorkloads, ReconcileSettings settings,
        IEnumerable<string>? previousConsumerTargets = null, IEnumerable<string>? previousAddresses = null,
        IEnumerable<string>? previousServiceAddresses = null)
    {
        var oldServices = previous?.Services.Keys ?? previousServices;
        var oldWorkloads = previous?.Inbound.Keys ?? previousWorkloads;

        var services = ImmutableArray.CreateBuilder<(string, ServiceView?)>();
        var endpoints = ImmutableArray.CreateBuilder<(string, EndpointSetView)>();
        var profiles = ImmutableArray.CreateBuilder<(string, ProfileView)>();
        var inbound = ImmutableArray.CreateBuilder<(string, InboundPolicyView)>();

        // A dictionary the derivation kept as it was (an incremental derivation keeps every kind a change cannot move)
        // has no change to look for.
        var sameServices = ReferenceEquals(previous?.Services, next.Services);
        if (!sameServices)
            foreach (var (name, view) in next.Services)
                if (previous is null || !previous.Services.TryGetValue(name, out var old) || !ViewEquality.Equal(old, view))
                    services.Add((name, view));
        foreach (var (name, view) in next.EndpointSets)
            if (previous is null || !previous.EndpointSets.TryGetValue(name, out var old) || !ViewEquality.Equal(old, view))
                endpoints.Add((name, view));
        if (!ReferenceEquals(previous?.Profiles, next.Profiles))
            foreach (var (name, view) in next.Profiles)
                if (previous is null || !previous.Profiles.TryGetValue(name, out var old) || !ViewEquality.Equal(old, view))
                    profiles.Add((name, view));
        foreach (var (name, view) in next.Inbound)
            if (previous is null || !previous.Inbound.TryGetValue(name, out var old) || !ViewEquality.Equal(old, view))
                inbound.Add((name, view));

        if (!sameServices)
            foreach (var name in oldServices.Distinct().Where(n => !next.Services.ContainsKey(n)).Order(StringComparer.Ordinal))
            {
                services.Add((name, null));
                if (!next.EndpointSets.ContainsKey(name)) endpoints.Add((name, EndpointSetView.Empty(ns, name)));
                if (!next.Profiles.ContainsKey(name)) profiles.Add((name, ProfileView.Default(ns, name)));
            }
        foreach (var name in oldWorkloads.Distinct().Where(n => !next.Inbound.ContainsKey(n)).Order(StringComparer.Ordinal))
            inbound.Add((name, InboundPolicyView.Missing(ns, name, settings.DefaultPolicy)));

        var consumers = ImmutableArray.CreateBuilder<(string, ProfileView)>();
        var sameConsumers = ReferenceEquals(previous?.ConsumerProfiles, next.ConsumerProfiles);
        if (!sameConsumers)
            foreach (var (target, view) in next.ConsumerProfiles)
                if (previous is null || !previous.ConsumerProfiles.TryGetValue(target, out var old) || !ViewEquality.Equal(old, view))
                    consumers.Add((target, view));
        var oldTargets = previous?.ConsumerProfiles.Keys ?? previousConsumerTargets ?? [];
        if (!sameConsumers)
            foreach (var target in oldTargets.Distinct().Where(t => !next.ConsumerProfiles.ContainsKey(t)).Order(StringComparer.Ordinal))
            {
                var (targetNs, targetName) = MeshNames.SplitKey(target);
                consumers.Add((target, ProfileView.Default(targetNs, targetName)));
            }

        var addresses = ImmutableArray.CreateBuilder<(string, WorkloadEndpoint?)>();
        foreach (var (key, endpoint) in next.Addresses)
            if (previous is null || !previous.Addresses.TryGetValue(key, out var old) || !ViewEquality.Equal(old, endpoint))
                addresses.Add((key, endpoint));
        var oldAddresses = previous?.Addresses.Keys ?? previousAddresses ?? [];
        foreach (var key in oldAddresses.Distinct().Where(k => !next.Addresses.ContainsKey(k)).Order(StringComparer.Ordinal))
            addresses.Add((key, null));

        var serviceAddresses = ImmutableArray.CreateBuilder<(string, string?)>();
        if (!ReferenceEquals(previous?.ServiceAddresses, next.ServiceAddresses))
        {
            foreach (var (key, service) in next.ServiceAddresses)
                if (previous is null || !previous.ServiceAddresses.TryGetValue(key, out var old) || old != service)
                    serviceAddresses.Add((key, service));
            var oldServiceAddresses = previous?.ServiceAddresses.Keys ?? previousServiceAddresses ?? [];
            foreach (var key in oldServiceAddresses.Distinct().Where(k => !next.ServiceAddresses.ContainsKey(k)).Order(StringComparer.Ordinal))
                serviceAddresses.Add((key, null));
        }

        return new ViewWritePlan(services.ToImmutable(), endpoints.ToImmutable(), profiles.ToImmutable(), inbound.ToImmutable())
        {
            ConsumerProfiles = consumers.ToImmutable(),
            Addresses = addresses.ToImmutable(),
            ServiceAddresses = serviceAddresses.ToImmutable(),
        };
    }
}
