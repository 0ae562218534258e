using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Nodes;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;

namespace Mesh.Grains.Catalog;

/// <summary>When each leased Workload of one namespace expires. A Workload carrying <see cref="MeshAnnotations.WorkloadLease"/>
/// (what `mesh run` registers) lives that many seconds past its last apply; without the annotation it never expires.
/// Leases are kept in memory only: a catalog that (re)activates — after a silo restart — gives every leased Workload a
/// full lease from then on, so a live sidecar has time to renew before anything is withdrawn. Pure (time is passed in);
/// the catalog grain owns one and deletes what <see cref="Expired"/> returns through its normal write path.</summary>
public sealed class WorkloadLeases
{
    /// <summary>The longest lease accepted (a day); a larger value is clamped, so a typo cannot pin an endpoint for years.</summary>
    public static readonly TimeSpan MaxLease = TimeSpan.FromDays(1);

    private readonly Dictionary<string, Lease> _leases = new(StringComparer.Ordinal);

    /// <summary>One Workload's lease: its length and when it runs out.</summary>
    public sealed record Lease(TimeSpan Duration, DateTimeOffset ExpiresAt);

    public int Count => _leases.Count;

    /// <summary>The lease length a Workload asks for, or null (not a Workload, no or unusable annotation).</summary>
    public static TimeSpan? DurationOf(StoredResource resource)
    {
        if (resource.Kind != ResourceKinds.Workload.Kind) return null;
        JsonNode? annotation;
        try { annotation = JsonNode.Parse(resource.Json)?["metadata"]?["annotations"]?[MeshAnnotations.WorkloadLease]; }
        catch (System.Text.Json.JsonException) { return null; }
        var text = annotation is JsonValue v && v.TryGetValue<string>(out var s) ? s : annotation?.ToJsonString();
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1) return null;
        var duration = TimeSpan.FromSeconds(seconds);
        return duration > MaxLease ? MaxLease : duration;
    }

    /// <summary>Starts a full lease for each applied Workload that asks for one (an apply is a renewal).</summary>
    public void Renew(IEnumerable<StoredResource> applied, DateTimeOffset now)
    {
        foreach (var r in applied)
            if (DurationOf(r) is { } duration) _leases[r.Name] = new Lease(duration, now + duration);
    }

    /// <summary>Makes the leases match what is stored: a leased Workload without an entry gets a full lease from
    /// <paramref name="now"/>; entries of Workloads that are gone or no longer leased are dropped.</summary>
    public void Track(IEnumerable<StoredResource> stored, DateTimeOffset now)
    {
        var leased = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in stored)
        {
            if (DurationOf(r) is not { } duration) continue;
            leased.Add(r.Name);
            if (!_leases.TryGetValue(r.Name, out var lease) || lease.Duration != duration)
                _leases[r.Name] = new Lease(duration, now + duration);
        }
        foreach (var name in _leases.Keys.Where(n => !leased.Contains(n)).ToList()) _leases.Remove(name);
    }

    public void Forget(string name) => _leases.Remove(name);

    public Lease? Get(string name) => _leases.GetValueOrDefault(name);

    /// <summary>Workloads whose lease ran out at or before <paramref name="now"/>, in name order.</summary>
    public ImmutableArray<string> Expired(DateTimeOffset now) =>
        [.. _leases.Where(kv => kv.Value.ExpiresAt <= now).Select(kv => kv.Key).Order(StringComparer.Ordinal)];

    /// <summary>The resource as `mesh get` shows it: a leased Workload gets status.lease {seconds, expiresAt}
    /// (not stored: leases live in memory).</summary>
    public StoredResource WithStatus(StoredResource resource)
    {
        if (resource.Kind != ResourceKinds.Workload.Kind || Get(resource.Name) is not { } lease) return resource;
        if (JsonNode.Parse(resource.Json) is not JsonObject json) return resource;
        var status = json["status"] as JsonObject ?? new JsonObject();
        status["lease"] = new JsonObject
        {
            ["seconds"] = (long)lease.Duration.TotalSeconds,
            ["expiresAt"] = lease.ExpiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        };
        json["status"] = status;
        return resource with { Json = json.ToJsonString() };
    }
}
