using System.Collections.Immutable;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Grains.Catalog;
using Mesh.Grains.Federation;
using Mesh.Names;

namespace Mesh.Silo.Kubernetes.Sync;

/// <summary>Writes the links' mirrors into the API server, during the leader's term only, so cluster DNS resolves
/// <c>books-west</c>: every Service and EndpointSlice the catalog records with a <c>link/&lt;cluster&gt;</c> source
/// becomes a selectorless Service and its manually managed EndpointSlices, labelled as ours
/// (<see cref="MirrorObjects"/>). What is ours in the catalog is its recorded source; what is ours in the API server is
/// our managed-by label: an object we find there without it (a user's <c>books-west</c>) is never updated or deleted,
/// it is a name conflict (<see cref="Conflicts"/>, which the Link status reports), and no slice of ours is published
/// for that Service (kube-proxy would add the gateway to the user's Service). Ours that the catalog no longer holds
/// (unexported, unlinked) are deleted. A pass runs when the polled catalog changed, when a Service or EndpointSlice
/// changed in the API server (a mirror deleted by hand comes back), and at least every resync; an object equal to what
/// it should be is not written.</summary>
internal sealed partial class MirrorPublisher(IKubernetes client, IGrainFactory grains, TimeProvider time, ILogger logger,
    TimeSpan quiet, TimeSpan resync, TimeSpan poll, int pageSize)
{
    private static readonly ResourceKind[] Kinds = [ResourceKinds.Service, ResourceKinds.EndpointSlice];
    private readonly PassScheduler _passes = new(quiet, resync, time);
    private ImmutableHashSet<(string Ns, string Name)> _conflicts = [];

    /// <summary>Mirror Services whose name a Service we did not create holds in the API server (last pass).</summary>
    public ImmutableHashSet<(string Ns, string Name)> Conflicts => Volatile.Read(ref _conflicts);

    /// <summary>Something the pass reads changed in the API server: a pass follows after the quiet window.</summary>
    public void Changed() => _passes.Changed();

    public Task RunAsync(CancellationToken ct) =>
        Task.WhenAll(_passes.RunAsync(PassAsync, e => Log.PassFailed(logger, e), ct),
            CatalogPoll.RunAsync(FingerprintAsync, Changed, error => Log.PollFailed(logger, error), poll, time, ct));

    /// <summary>Every mirror object the catalog holds, with the addresses its mirror carries.</summary>
    private async Task<string> FingerprintAsync() =>
        string.Join('\n', (await DesiredAsync()).Select(d => $"{d.Object.ToJsonString()} {string.Join(',', d.Addresses)}"));

    /// <summary>One mirror object as the API server should hold it; <paramref name="Source"/> the link that owns it,
    /// <paramref name="Addresses"/> the cluster IPs the catalog's mirror carries (a Service's; see <see cref="ReportAddressesAsync"/>).</summary>
    private sealed record Desired(ResourceKind Kind, string Ns, string Name, JsonObject Object, string Source, ImmutableArray<string> Addresses);

    /// <summary>Every link-owned Service and EndpointSlice of the catalog, as Kubernetes objects, in a stable order.</summary>
    private async Task<List<Desired>> DesiredAsync()
    {
        var result = new List<Desired>();
        foreach (var ns in (await grains.GetGrain<INamespaceDirectoryGrain>(NamespaceDirectoryGrain.Key).ListAsync()).Order(StringComparer.Ordinal))
            foreach (var kind in Kinds)
                foreach (var r in (await grains.GetGrain<ICatalogGrain>(ns).ListAsync(kind.Kind)).OrderBy(r => r.Name, StringComparer.Ordinal))
                    if (r.Source.StartsWith(ResourceSources.LinkPrefix, StringComparison.Ordinal))
                    {
                        var doc = JsonNode.Parse(r.Json)!.AsObject();
                        result.Add(new Desired(kind, ns, r.Name, MirrorObjectBuilder.Build(kind, doc, r.Source), r.Source, MirrorObjectBuilder.ClusterIPs(doc)));
                    }
        return result;
    }

    /// <summary>One pass: the API server's mirror objects made equal to the catalog's.</summary>
    internal async Task PassAsync(CancellationToken ct)
    {
        var desired = await DesiredAsync();
        var conflicts = ImmutableHashSet.CreateBuilder<(string, string)>();
        var written = 0;
        var allocated = new Dictionary<Desired, ImmutableArray<string>>();
        foreach (var kind in Kinds)
        {
            var ours = new Dictionary<(string, string), JsonObject>();
            foreach (var obj in (await ListOursAsync(kind, ct)).Items)
                ours[(Meta(obj, "namespace"), Meta(obj, "name"))] = obj;
            foreach (var d in desired.Where(d => d.Kind == kind))
            {
                // A slice of a Service the user holds would put the mirror's endpoints behind the user's Service.
                if (kind == ResourceKinds.EndpointSlice
                    && conflicts.Contains((d.Ns, d.Object["metadata"]?["labels"]?[KubernetesObjects.ServiceNameLabel]?.GetValue<string>() ?? ""))) continue;
                ours.Remove((d.Ns, d.Name), out var current);
                var (outcome, now) = await EnsureAsync(kind, d, current, ct);
                // A Service the user holds under the mirror's name: the mirror has no address of ours (a raced one: unknown yet).
                if (kind == ResourceKinds.Service && outcome != Outcome.Raced) allocated[d] = now is null ? [] : MirrorObjectBuilder.ClusterIPs(now);
                switch (outcome)
                {
                    case Outcome.Written: written++; break;
                    case Outcome.Foreign:
                        Log.Foreign(logger, kind.Kind, d.Ns, d.Name);
                        if (kind == ResourceKinds.Service) conflicts.Add((d.Ns, d.Name));
                        break;
                }
            }
            foreach (var ((ns, name), obj) in ours)
                if (await DeleteAsync(kind, ns, name, obj, ct)) written++;
        }
        Volatile.Write(ref _conflicts, conflicts.ToImmutable());
        if (written > 0) Log.Wrote(logger, written);
        await ReportAddressesAsync(allocated);
    }

    /// <summary>The API server allocates a mirror Service's cluster IP; the catalog's mirror must carry it for a caller
    /// of that ClusterIP (transparent mode, by original destination) to resolve. Each link whose mirrors in the catalog
    /// do not carry what the API server allocated is told all of its mirrors' addresses; the link writes them into its
    /// own mirrors (the source stays link/&lt;cluster&gt;: nothing else is read back from the API server, and only
    /// objects that are ours by label and that the link already owns in the catalog are looked at). A mirror whose name
    /// a user's Service holds gets no address (the user's cluster IP is not the mirror's).</summary>
    private async Task ReportAddressesAsync(Dictionary<Desired, ImmutableArray<string>> allocated)
    {
        foreach (var link in allocated.GroupBy(p => p.Key.Source))
        {
            if (link.All(p => p.Key.Addresses.SequenceEqual(p.Value))) continue;
            var addresses = link.ToImmutableDictionary(p => $"{p.Key.Ns}/{p.Key.Name}", p => p.Value, StringComparer.Ordinal);
            var cluster = link.Key[ResourceSources.LinkPrefix.Length..];
            await grains.GetGrain<ILinkGrain>(cluster).SetMirrorAddressesAsync(addresses);
            Log.Addresses(logger, cluster, addresses.Count);
        }
    }

    private enum Outcome { Unchanged, Written, Foreign, Raced }

    /// <summary>Creates or updates one mirror object; answers what happened and the object as the API server now holds
    /// it (null when it holds none of ours).</summary>
    private async Task<(Outcome, JsonObject?)> EnsureAsync(ResourceKind kind, Desired d, JsonObject? current, CancellationToken ct)
    {
        try
        {
            if (current is null) return (Outcome.Written, await SendAsync(kind, HttpMethod.Post, d.Ns, null, d.Object, ct));
            if (MirrorObjectBuilder.Same(kind, current, d.Object)) return (Outcome.Unchanged, current);
            return (Outcome.Written, await SendAsync(kind, HttpMethod.Put, d.Ns, d.Name, MirrorObjectBuilder.Merge(kind, current, d.Object), ct));
        }
        catch (HttpOperationException e) when (current is null && e.Response.StatusCode == HttpStatusCode.Conflict)
        {
            // AlreadyExists without our label (ours were all listed): someone else's object of that name.
            return (Outcome.Foreign, null);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            // Changed or deleted since the list (or its namespace is gone): the next pass looks again.
            Log.Raced(logger, kind.Kind, d.Ns, d.Name, (int)e.Response.StatusCode);
            Changed();
            return (Outcome.Raced, null);
        }
    }

    private async Task<bool> DeleteAsync(ResourceKind kind, string ns, string name, JsonObject obj, CancellationToken ct)
    {
        try
        {
            // Only the object listed as ours: one recreated meanwhile by someone else keeps its uid out of reach.
            var options = new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = Meta(obj, "uid") } };
            if (kind == ResourceKinds.Service) await client.CoreV1.DeleteNamespacedServiceAsync(name, ns, options, cancellationToken: ct);
            else await client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(name, ns, options, cancellationToken: ct);
            return true;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode is HttpStatusCode.Conflict or HttpStatusCode.NotFound)
        {
            return false;
        }
    }

    private async Task<ListPage> ListOursAsync(ResourceKind kind, CancellationToken ct)
    {
        var items = new List<JsonObject>();
        string? cont = null;
        string version = "";
        do
        {
            ListPage page;
            if (kind == ResourceKinds.Service)
            {
                var list = await client.CoreV1.ListServiceForAllNamespacesAsync(continueParameter: cont, limit: pageSize,
                    labelSelector: $"{MirrorObjects.ServiceManagedByLabel}={MirrorObjects.Manager}", cancellationToken: ct);
                page = new ListPage([.. list.Items.Select(ToJson)], list.Metadata?.ResourceVersion ?? "", list.Metadata?.ContinueProperty);
            }
            else
            {
                var list = await client.DiscoveryV1.ListEndpointSliceForAllNamespacesAsync(continueParameter: cont, limit: pageSize,
                    labelSelector: $"{MirrorObjects.SliceManagedByLabel}={MirrorObjects.Manager}", cancellationToken: ct);
                page = new ListPage([.. list.Items.Select(ToJson)], list.Metadata?.ResourceVersion ?? "", list.Metadata?.ContinueProperty);
            }
            items.AddRange(page.Items);
            version = page.ResourceVersion;
            cont = string.IsNullOrEmpty(page.Continue) ? null : page.Continue;
        }
        while (cont is not null);
        return new ListPage(items, version, null);
    }

    /// <summary>Writes one object; answers it as the API server stored it (with the cluster IP it allocated).</summary>
    private async Task<JsonObject> SendAsync(ResourceKind kind, HttpMethod method, string ns, string? name, JsonObject body, CancellationToken ct)
    {
        var json = body.ToJsonString();
        if (kind == ResourceKinds.Service)
        {
            var service = KubernetesJson.Deserialize<V1Service>(json);
            return ToJson(method == HttpMethod.Post
                ? await client.CoreV1.CreateNamespacedServiceAsync(service, ns, cancellationToken: ct)
                : await client.CoreV1.ReplaceNamespacedServiceAsync(service, name!, ns, cancellationToken: ct));
        }
        var slice = KubernetesJson.Deserialize<V1EndpointSlice>(json);
        return ToJson(method == HttpMethod.Post
            ? await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, ns, cancellationToken: ct)
            : await client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, name!, ns, cancellationToken: ct));
    }

    private static JsonObject ToJson<T>(T item) => JsonNode.Parse(KubernetesJson.Serialize(item))!.AsObject();

    private static string Meta(JsonObject obj, string field) => obj["metadata"]?[field]?.GetValue<string>() ?? "";

    private static partial class Log
    {
        [LoggerMessage(EventId = 7350, Level = LogLevel.Information, Message = "Kubernetes sync: wrote {Count} mirror objects into the API server")]
        public static partial void Wrote(ILogger logger, int count);

        [LoggerMessage(EventId = 7351, Level = LogLevel.Warning, Message = "Kubernetes sync: publishing mirrors failed; retrying with backoff")]
        public static partial void PassFailed(ILogger logger, Exception e);

        [LoggerMessage(EventId = 7352, Level = LogLevel.Warning, Message = "Kubernetes sync: {Kind} {Namespace}/{Name} exists in the API server and was not created by the mesh; the mirror of that name is not published (NameConflict)")]
        public static partial void Foreign(ILogger logger, string kind, string @namespace, string name);

        [LoggerMessage(EventId = 7353, Level = LogLevel.Debug, Message = "Kubernetes sync: mirror {Kind} {Namespace}/{Name} write raced ({Code}); another pass follows")]
        public static partial void Raced(ILogger logger, string kind, string @namespace, string name, int code);

        [LoggerMessage(EventId = 7359, Level = LogLevel.Information, Message = "Kubernetes sync: told link {Cluster} the cluster IPs of its {Count} mirror Services")]
        public static partial void Addresses(ILogger logger, string cluster, int count);

        [LoggerMessage(EventId = 7354, Level = LogLevel.Warning, Message = "Kubernetes sync: reading the catalog's mirrors failed (retrying): {Error}")]
        public static partial void PollFailed(ILogger logger, string error);
    }
}
