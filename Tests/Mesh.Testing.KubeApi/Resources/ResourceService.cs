using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Patches;
using Mesh.Testing.KubeApi.Seams;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Resources;

/// <summary>The API server's write and read semantics over the store: server-set metadata (uid, creationTimestamp,
/// generation, resourceVersion), optimistic concurrency, the status subresource, patches, finalizers, namespace and CRD
/// lifecycles, then the admission chain. HTTP handlers and tests that seed objects both go through here.</summary>
public sealed class ResourceService
{
    private const int MaxUpdateAttempts = 16;
    private static readonly KubeUser SystemUser = new("system:apiserver", ["system:masters"]);
    private readonly ObjectStore _store;
    private readonly KindRegistry _kinds;
    private readonly IReadOnlyList<IAdmissionHook> _admission;
    private readonly TimeProvider _time;
    private readonly KindDefaults _defaults = new();

    internal ResourceService(ObjectStore store, KindRegistry kinds, IReadOnlyList<IAdmissionHook> admission, TimeProvider time)
    {
        _store = store;
        _kinds = kinds;
        _admission = admission;
        _time = time;
    }

    internal ObjectStore Store => _store;

    private string Now() => _time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'");

    private static ObjectKey Key(KindInfo kind, string? ns, string name) => new(kind.StorageKey, kind.Namespaced ? ns ?? "" : "", name);

    public Outcome<JsonObject> Get(KindInfo kind, string? ns, string name)
    {
        var obj = _store.Get(Key(kind, ns, name));
        return obj is null ? ApiError.NotFound(kind.Resource, kind.Group, name) : Served.As(obj, kind);
    }

    /// <summary>POST: stores the object after defaulting and admission. <paramref name="dryRun"/> (`dryRun=All`): all of
    /// that (the webhooks told it is a dry run) and the object that would be stored is returned; nothing is stored.</summary>
    public async Task<Outcome<JsonObject>> CreateAsync(KindInfo kind, string? ns, JsonNode? body, KubeUser? user = null, CancellationToken ct = default, bool dryRun = false)
    {
        var shaped = ObjectValidation.Shape(body, kind);
        if (!shaped.Ok) return shaped.Error!;
        var obj = shaped.Value!.DeepClone().AsObject();
        var meta = obj["metadata"] as JsonObject ?? new JsonObject();
        obj["metadata"] = meta;
        var name = JsonText.Str(meta["name"]) ?? "";
        if (name.Length == 0 && JsonText.Str(meta["generateName"]) is { Length: > 0 } prefix) name = prefix + RandomSuffix();
        if (name.Length == 0) return ApiError.Invalid(kind.Kind, kind.Group, "", "metadata.name", "Required value: name or generateName is required");
        meta["name"] = name;
        if (kind.Namespaced)
        {
            var bodyNs = JsonText.Str(meta["namespace"]);
            if (!string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
                return ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            if (string.IsNullOrEmpty(ns)) return ApiError.BadRequest($"the server could not find the requested resource: {kind.Resource} is namespaced");
            meta["namespace"] = ns;
            if (_store.Get(new ObjectKey("/namespaces", "", ns)) is null) return ApiError.NotFound("namespaces", "", ns);
        }
        else meta.Remove("namespace");
        var invalid = ObjectValidation.Fields(obj, kind);
        if (invalid is not null) return invalid;
        obj["apiVersion"] = kind.ApiVersion;
        obj["kind"] = kind.Kind;
        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = Now();
        meta["generation"] = 1;
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("managedFields");
        List<KindInfo>? served = null;
        switch (kind.Resource)
        {
            case "namespaces" when kind.Group == "":
                obj["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") };
                obj["status"] = new JsonObject { ["phase"] = "Active" };
                break;
            case "customresourcedefinitions":
            {
                var kinds = CustomResourceDefinitions.KindsOf(obj);
                if (!kinds.Ok) return kinds.Error!;
                served = kinds.Value;
                CustomResourceDefinitions.MarkEstablished(obj, Now());
                break;
            }
            default:
                if (kind.HasStatus) obj.Remove("status");
                _defaults.OnCreate(kind, obj);
                break;
        }
        var admitted = await AdmitAsync(new AdmissionAttributes("CREATE", kind, "", meta["namespace"] is { } n ? JsonText.Str(n) ?? "" : "", name, user ?? SystemUser, dryRun), obj, null, ct);
        if (!admitted.Ok) return admitted.Error!;
        if (dryRun)
            return _store.Get(Key(kind, ns, name)) is null ? Served.As(admitted.Value!, kind) : ApiError.AlreadyExists(kind.Resource, kind.Group, name);
        var stored = _store.Insert(Key(kind, ns, name), admitted.Value!);
        if (stored is null) return ApiError.AlreadyExists(kind.Resource, kind.Group, name);
        foreach (var k in served ?? []) _kinds.Register(k);
        return Served.As(stored, kind);
    }

    /// <summary>PUT: replaces the object (or, with <paramref name="status"/>, only its status). A body resourceVersion
    /// is a precondition (409 when stale); without one the update is unconditional.</summary>
    public Task<Outcome<JsonObject>> ReplaceAsync(KindInfo kind, string? ns, string name, JsonNode? body, bool status, KubeUser? user = null, CancellationToken ct = default)
    {
        var shaped = ObjectValidation.Shape(body, kind);
        if (!shaped.Ok) return Task.FromResult<Outcome<JsonObject>>(shaped.Error!);
        var obj = shaped.Value!;
        var bodyName = JsonText.Str(obj["metadata"]?["name"]);
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
            return Task.FromResult<Outcome<JsonObject>>(ApiError.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})"));
        var bodyNs = JsonText.Str(obj["metadata"]?["namespace"]);
        if (kind.Namespaced && !string.IsNullOrEmpty(bodyNs) && bodyNs != ns)
            return Task.FromResult<Outcome<JsonObject>>(ApiError.BadRequest("the namespace of the provided object does not match the namespace sent on the request"));
        return UpdateAsync(kind, ns, name, status, _ => obj.DeepClone().AsObject(), user, ct);
    }

    /// <summary>PATCH with one of the three patch types; a resourceVersion in the patch is a precondition.</summary>
    public Task<Outcome<JsonObject>> PatchAsync(KindInfo kind, string? ns, string name, string patchType, JsonNode? patch, bool status, KubeUser? user = null, CancellationToken ct = default)
    {
        Func<JsonObject, Outcome<JsonObject>> apply;
        switch (patchType)
        {
            case "application/merge-patch+json":
                if (patch is not JsonObject) return Task.FromResult<Outcome<JsonObject>>(ApiError.BadRequest("json: cannot unmarshal a merge patch that is not an object"));
                apply = current => JsonMergePatch.Apply(current, patch) as JsonObject ?? new JsonObject();
                break;
            case "application/json-patch+json":
                apply = current =>
                {
                    var r = JsonPatch.Apply(current, patch);
                    if (!r.Ok) return r.Error!;
                    return r.Value is JsonObject o ? o : ApiError.BadRequest("the patched document is not an object");
                };
                break;
            case "application/strategic-merge-patch+json":
                if (kind.IsCustom) return Task.FromResult<Outcome<JsonObject>>(ApiError.UnsupportedMediaType(patchType));
                apply = current =>
                {
                    var r = StrategicMergePatch.Apply(current, patch, kind);
                    if (!r.Ok) return r.Error!;
                    return r.Value is JsonObject o ? o : ApiError.BadRequest("the patched document is not an object");
                };
                break;
            default:
                return Task.FromResult<Outcome<JsonObject>>(ApiError.UnsupportedMediaType(patchType));
        }
        return UpdateAsync(kind, ns, name, status, apply, user, ct);
    }

    private async Task<Outcome<JsonObject>> UpdateAsync(KindInfo kind, string? ns, string name, bool status,
        Func<JsonObject, Outcome<JsonObject>> compute, KubeUser? user, CancellationToken ct)
    {
        var key = Key(kind, ns, name);
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = _store.Get(key);
            if (current is null) return ApiError.NotFound(kind.Resource, kind.Group, name);
            var currentRv = JsonText.Str(current["metadata"]?["resourceVersion"]) ?? "";
            var computed = compute(Served.As(current, kind));
            if (!computed.Ok) return computed.Error!;
            var next = computed.Value!;
            if (next["metadata"] is { } m && m is not JsonObject) return ApiError.BadRequest("metadata must be an object");
            var asked = JsonText.Str(next["metadata"]?["resourceVersion"]);
            if (next["metadata"]?["resourceVersion"] is { } rvNode && asked is null) return ApiError.BadRequest("metadata.resourceVersion must be a string");
            if (!string.IsNullOrEmpty(asked) && asked != currentRv) return ApiError.StaleResourceVersion(kind.Resource, kind.Group, name);
            if (!status) KindDefaults.OnUpdate(kind, current, next);
            var merged = MergeServerFields(kind, current, next, status);
            var invalid = ObjectValidation.Fields(merged, kind);
            if (invalid is not null) return invalid;
            if (kind.Resource == "customresourcedefinitions" && !status)
            {
                var kinds = CustomResourceDefinitions.KindsOf(merged);
                if (!kinds.Ok) return kinds.Error!;
            }
            if (SameContent(current, merged)) return Served.As(current, kind);
            var finalizing = merged["metadata"]?["deletionTimestamp"] is not null && (merged["metadata"]?["finalizers"] as JsonArray ?? []).Count == 0;
            var admitted = await AdmitAsync(new AdmissionAttributes("UPDATE", kind, status ? "status" : "", key.Namespace, name, user ?? SystemUser), merged, current, ct);
            if (!admitted.Ok) return admitted.Error!;
            JsonObject? stored;
            if (finalizing)
            {
                // As the registry does on emptied finalizers: the update is not stored, the object is deleted as updated.
                stored = _store.Remove(key, currentRv, admitted.Value!);
                if (stored is not null) AfterDelete(kind, stored);
            }
            else stored = _store.Replace(key, currentRv, admitted.Value!);
            if (stored is not null)
            {
                if (kind.Resource == "customresourcedefinitions" && !finalizing)
                    foreach (var k in CustomResourceDefinitions.KindsOf(stored).Value ?? []) _kinds.Register(k);
                return Served.As(stored, kind);
            }
            // Lost a race with another writer: a precondition from the client is a conflict, our own read retries.
            if (!string.IsNullOrEmpty(asked)) return ApiError.StaleResourceVersion(kind.Resource, kind.Group, name);
        }
        return ApiError.Conflict(kind.Resource, kind.Group, name, "too many concurrent writers; try again");
    }

    /// <summary>What an update may change: identity and timestamps stay the server's; with a status subresource the main
    /// resource keeps its status and the status subresource changes only status; generation counts spec changes.</summary>
    private static JsonObject MergeServerFields(KindInfo kind, JsonObject current, JsonObject next, bool status)
    {
        JsonObject merged;
        if (status)
        {
            merged = current.DeepClone().AsObject();
            if (next["status"] is { } s) merged["status"] = s.DeepClone(); else merged.Remove("status");
            return merged;
        }
        merged = next.DeepClone().AsObject();
        merged["apiVersion"] = current["apiVersion"]?.DeepClone();
        merged["kind"] = current["kind"]?.DeepClone();
        var meta = merged["metadata"] as JsonObject ?? new JsonObject();
        merged["metadata"] = meta;
        var old = (JsonObject)current["metadata"]!;
        foreach (var field in new[] { "name", "namespace", "uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "resourceVersion" })
        {
            if (old[field] is { } v) meta[field] = v.DeepClone(); else meta.Remove(field);
        }
        meta.Remove("managedFields");
        if (kind.HasStatus)
        {
            if (current["status"] is { } s) merged["status"] = s.DeepClone(); else merged.Remove("status");
        }
        if (!JsonNode.DeepEquals(Body(current), Body(merged)))
            meta["generation"] = (old["generation"] is JsonValue g && long.TryParse(g.ToJsonString(), out var gen) ? gen : 0) + 1;
        return merged;
    }

    private static JsonObject Body(JsonObject o)
    {
        var copy = o.DeepClone().AsObject();
        copy.Remove("metadata");
        copy.Remove("status");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        return copy;
    }

    private static bool SameContent(JsonObject a, JsonObject b)
    {
        var x = a.DeepClone().AsObject();
        var y = b.DeepClone().AsObject();
        foreach (var o in new[] { x, y })
        {
            (o["metadata"] as JsonObject)?.Remove("resourceVersion");
            o.Remove("apiVersion");
            o.Remove("kind");
        }
        return JsonNode.DeepEquals(x, y);
    }

    /// <summary>DELETE with optional preconditions (uid, resourceVersion). An object with finalizers only gets its
    /// deletionTimestamp and stays until an update removes the last finalizer.</summary>
    public async Task<Outcome<(JsonObject Object, bool Finalizing)>> DeleteAsync(KindInfo kind, string? ns, string name, JsonNode? options, KubeUser? user = null, CancellationToken ct = default)
    {
        if (options is not null and not JsonObject) return ApiError.BadRequest("DeleteOptions must be a JSON object");
        var pre = options?["preconditions"];
        if (pre is not null and not JsonObject) return ApiError.BadRequest("preconditions must be an object");
        var key = Key(kind, ns, name);
        for (var attempt = 0; attempt < MaxUpdateAttempts; attempt++)
        {
            var current = _store.Get(key);
            if (current is null) return ApiError.NotFound(kind.Resource, kind.Group, name);
            var meta = (JsonObject)current["metadata"]!;
            var uid = JsonText.Str(meta["uid"]) ?? "";
            var rv = JsonText.Str(meta["resourceVersion"]) ?? "";
            if (JsonText.Str(pre?["uid"]) is { } wantUid && wantUid != uid)
                return ApiError.Conflict(kind.Resource, kind.Group, name, $"Precondition failed: UID in precondition: {wantUid}, UID in object meta: {uid}");
            if (JsonText.Str(pre?["resourceVersion"]) is { } wantRv && wantRv != rv)
                return ApiError.Conflict(kind.Resource, kind.Group, name, $"Precondition failed: ResourceVersion in precondition: {wantRv}, ResourceVersion in object meta: {rv}");
            var admitted = await AdmitAsync(new AdmissionAttributes("DELETE", kind, "", key.Namespace, name, user ?? SystemUser), current, current, ct);
            if (!admitted.Ok) return admitted.Error!;
            if (meta["finalizers"] is JsonArray { Count: > 0 })
            {
                if (meta["deletionTimestamp"] is not null) return (Served.As(current, kind), true);
                var marked = current.DeepClone().AsObject();
                marked["metadata"]!["deletionTimestamp"] = Now();
                marked["metadata"]!["deletionGracePeriodSeconds"] = 0;
                if (_store.Replace(key, rv, marked) is { } m) return (Served.As(m, kind), true);
                continue;
            }
            if (kind.Resource == "namespaces" && kind.Group == "") DeleteNamespaceContent(name);
            var removed = _store.Remove(key, rv);
            if (removed is null) continue;
            AfterDelete(kind, removed);
            return (Served.As(removed, kind), false);
        }
        return ApiError.Conflict(kind.Resource, kind.Group, name, "too many concurrent writers; try again");
    }

    /// <summary>Simplified namespace lifecycle: the content goes at once (no Terminating phase, no namespace controller).</summary>
    private void DeleteNamespaceContent(string ns)
    {
        foreach (var key in _store.KeysInNamespace(ns))
            if (_store.Get(key) is { } o) _store.Remove(key, JsonText.Str(o["metadata"]?["resourceVersion"]) ?? "");
    }

    private void AfterDelete(KindInfo kind, JsonObject removed)
    {
        if (kind.Resource != "customresourcedefinitions") return;
        var group = JsonText.Str(removed["spec"]?["group"]) ?? "";
        var plural = JsonText.Str(removed["spec"]?["names"]?["plural"]) ?? "";
        _kinds.RemoveCustom(group, plural);
        foreach (var key in _store.Keys($"{group}/{plural}", null))
            if (_store.Get(key) is { } o) _store.Remove(key, JsonText.Str(o["metadata"]?["resourceVersion"]) ?? "");
    }

    private async Task<Outcome<JsonObject>> AdmitAsync(AdmissionAttributes attributes, JsonObject obj, JsonObject? old, CancellationToken ct)
    {
        foreach (var hook in _admission)
        {
            var r = await hook.AdmitAsync(attributes, obj, old, ct);
            if (!r.Ok) return r.Error!;
            obj = r.Value!;
        }
        return obj;
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Concat(Enumerable.Range(0, 5).Select(_ => alphabet[Random.Shared.Next(alphabet.Length)]));
    }

    /// <summary>LIST with the API server's resourceVersion × resourceVersionMatch × limit/continue table, selectors and
    /// consistent pages (every page of one list is read at the first page's version).</summary>
    public Outcome<JsonObject> List(KindInfo kind, string? ns, ListQuery q)
    {
        long atRv;
        string? startNs = null, startName = null;
        if (q.Continue is not null)
        {
            if (q.ResourceVersion is { } r && r != "0") return ApiError.BadRequest("specifying resource version is not allowed when using continue");
            if (!ContinueToken.TryDecode(q.Continue, out atRv, out var cns, out var cname))
                return ApiError.BadRequest("continue key is not valid: illegal base64 data or not a continue token");
            if (atRv < _store.CompactedResourceVersion)
                return ApiError.Expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.");
            startNs = cns;
            startName = cname;
        }
        else
        {
            var rv = q.ResourceVersion;
            switch (q.ResourceVersionMatch)
            {
                case "Exact":
                    if (rv is null || rv == "0") return ApiError.BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\" or unset");
                    atRv = long.Parse(rv);
                    break;
                case "NotOlderThan":
                    if (rv is null) return ApiError.BadRequest("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
                    atRv = NotOlderThan(long.Parse(rv), out var tooLarge);
                    if (tooLarge is not null) return tooLarge;
                    break;
                default:
                    if (rv is null || rv == "0") atRv = 0;
                    else if (q.Limit > 0) atRv = long.Parse(rv);
                    else
                    {
                        atRv = NotOlderThan(long.Parse(rv), out var ahead);
                        if (ahead is not null) return ahead;
                    }
                    break;
            }
        }
        var snapshot = _store.Snapshot(kind.StorageKey, kind.Namespaced ? ns : null, atRv);
        if (!snapshot.Ok) return snapshot.Error!;
        var (listRv, all) = snapshot.Value;
        var selected = all.Where(e => q.Labels.Matches(JsonText.Meta(e.Obj)?["labels"] as JsonObject) && q.Fields.Matches(e.Obj));
        if (startNs is not null)
        {
            var after = new ObjectKey(kind.StorageKey, startNs, startName!);
            selected = selected.Where(e => e.Key.CompareTo(after) > 0);
        }
        var rest = selected.ToList();
        var page = q.Limit > 0 ? rest.Take((int)Math.Min(q.Limit, int.MaxValue)).ToList() : rest;
        var listMeta = new JsonObject { ["resourceVersion"] = listRv.ToString() };
        if (page.Count < rest.Count)
        {
            listMeta["continue"] = ContinueToken.Encode(listRv, page[^1].Key);
            listMeta["remainingItemCount"] = rest.Count - page.Count;
        }
        return new JsonObject
        {
            ["kind"] = kind.ListKind,
            ["apiVersion"] = kind.ApiVersion,
            ["metadata"] = listMeta,
            ["items"] = new JsonArray(page.Select(e => (JsonNode?)Served.As(e.Obj, kind)).ToArray()),
        };
    }

    /// <summary>"Not older than N" is served from the newest state; N ahead of the store is the API server's
    /// "Too large resource version" timeout.</summary>
    private long NotOlderThan(long rv, out ApiError? error)
    {
        var current = _store.ResourceVersion;
        error = rv > current ? ApiError.Timeout($"Too large resource version: {rv}, current: {current}") : null;
        return 0;
    }
}
