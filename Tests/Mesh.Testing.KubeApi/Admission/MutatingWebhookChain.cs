using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Patches;
using Mesh.Testing.KubeApi.Seams;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Admission;

/// <summary>The admission chain's mutating webhooks: on CREATE and UPDATE, every webhook of every stored
/// MutatingWebhookConfiguration (configurations by name, webhooks in order) whose rules and selectors match is called
/// over HTTPS, trusting only its <c>clientConfig.caBundle</c> and checking the certificate's name (the URL's host, or
/// <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>), with an AdmissionReview v1, within <c>timeoutSeconds</c> (default 10). A
/// <c>JSONPatch</c> in the answer is applied before the next webhook sees the object; <c>allowed: false</c> rejects the
/// write with the webhook's status; a failed call (refused, timed out, bad TLS, not an AdmissionReview, wrong uid, a
/// patch that does not apply) rejects it when <c>failurePolicy</c> is Fail (the default) and is skipped when Ignore.
/// Configurations themselves are never sent to webhooks, as in the API server.</summary>
/// <remarks>A dry-run create is sent with <c>request.dryRun: true</c> to the webhooks whose <c>sideEffects</c> is None
/// or NoneOnDryRun; one that may have side effects rejects it (400), as the API server does.
/// Simplified: reinvocationPolicy is Never, matchPolicy is Exact, no matchConditions, warnings go to
/// <see cref="Calls"/>, not to the client's Warning header. A service clientConfig is reached through <see cref="FakeKubeApiOptions.WebhookServices"/>.</remarks>
public sealed class MutatingWebhookChain : IAdmissionHook
{
    private const string ConfigurationKind = "admissionregistration.k8s.io/mutatingwebhookconfigurations";
    private readonly ConcurrentQueue<WebhookCall> _calls = new();
    private readonly Func<string, string, int, string?> _services;
    private ObjectStore? _store;

    internal MutatingWebhookChain(Func<string, string, int, string?> services) => _services = services;

    public string Name => "MutatingAdmissionWebhook";

    /// <summary>Every call so far, in order.</summary>
    public IReadOnlyCollection<WebhookCall> Calls => _calls;

    internal void Attach(ObjectStore store) => _store = store;

    public async ValueTask<Outcome<JsonObject>> AdmitAsync(AdmissionAttributes attributes, JsonObject obj, JsonObject? old, CancellationToken ct)
    {
        if (_store is null || attributes.Operation is not ("CREATE" or "UPDATE") || attributes.Kind.Group == "admissionregistration.k8s.io")
            return obj;
        var configurations = _store.Keys(ConfigurationKind, null).Select(_store.Get).OfType<JsonObject>()
            .OrderBy(JsonText.Name, StringComparer.Ordinal).ToList();
        foreach (var configuration in configurations)
        {
            foreach (var webhook in (configuration["webhooks"] as JsonArray ?? []).OfType<JsonObject>())
            {
                if (!Matches(webhook, attributes, obj, old)) continue;
                if (attributes.DryRun && JsonText.Str(webhook["sideEffects"]) is not ("None" or "NoneOnDryRun"))
                    return ApiError.BadRequest($"admission webhook \"{JsonText.Str(webhook["name"])}\" does not support dry run");
                var r = await CallAsync(JsonText.Name(configuration), webhook, attributes, obj, old, ct);
                if (!r.Ok) return r.Error!;
                obj = r.Value!;
            }
        }
        return obj;
    }

    private bool Matches(JsonObject webhook, AdmissionAttributes a, JsonObject obj, JsonObject? old)
    {
        if (!WebhookMatch.Rules(webhook, a)) return false;
        var objectLabels = JsonText.Meta(obj)?["labels"] as JsonObject;
        var oldLabels = old is null ? null : JsonText.Meta(old)?["labels"] as JsonObject;
        if (!WebhookMatch.Selector(webhook["objectSelector"], objectLabels) && (old is null || !WebhookMatch.Selector(webhook["objectSelector"], oldLabels)))
            return false;
        if (a.Kind is { Group: "", Resource: "namespaces" }) return WebhookMatch.Selector(webhook["namespaceSelector"], objectLabels);
        if (!a.Kind.Namespaced) return true;
        var ns = _store!.Get(new ObjectKey("/namespaces", "", a.Namespace));
        return WebhookMatch.Selector(webhook["namespaceSelector"], ns is null ? null : JsonText.Meta(ns)?["labels"] as JsonObject);
    }

    private async Task<Outcome<JsonObject>> CallAsync(string configuration, JsonObject webhook, AdmissionAttributes a, JsonObject obj, JsonObject? old, CancellationToken ct)
    {
        var name = JsonText.Str(webhook["name"]) ?? "";
        var ignore = JsonText.Str(webhook["failurePolicy"]) == "Ignore";
        var uid = Guid.NewGuid().ToString();
        var resource = a.Kind.Group.Length == 0 ? a.Kind.Resource : $"{a.Kind.Resource}.{a.Kind.Group}";
        WebhookCall Log(string outcome, string? error, IReadOnlyList<string>? warnings = null)
        {
            var call = new WebhookCall(configuration, name, a.Operation, resource, a.Namespace, a.Name, outcome, error, warnings ?? []);
            _calls.Enqueue(call);
            return call;
        }
        Outcome<JsonObject> Failed(string why)
        {
            Log(ignore ? "failed-ignored" : "failed-rejected", why);
            return ignore ? obj : ApiError.Internal($"failed calling webhook \"{name}\": {why}");
        }

        var target = Target(webhook["clientConfig"] as JsonObject);
        if (!target.Ok) return Failed(target.Error!.Message);
        var (url, connectTo, caPem) = target.Value;
        var seconds = webhook["timeoutSeconds"] is JsonValue tv && tv.TryGetValue<int>(out var t) && t is >= 1 and <= 30 ? t : 10;
        var review = Review(uid, a, obj, old);

        JsonNode? answer;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
            using var http = Client(caPem, connectTo);
            using var content = new StringContent(review.ToJsonString(), Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(url, content, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode) return Failed($"failed to call webhook: the server responded with the status code {(int)response.StatusCode}: {body.Trim()}");
            answer = JsonNode.Parse(body);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return Failed($"failed to call webhook: Post \"{url}\": context deadline exceeded ({seconds}s)");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or System.Text.Json.JsonException or System.Security.Authentication.AuthenticationException)
        {
            return Failed($"failed to call webhook: Post \"{url}\": {e.GetBaseException().Message}");
        }

        if (answer?["response"] is not JsonObject r || JsonText.Str(answer["kind"]) != "AdmissionReview" || JsonText.Str(answer["apiVersion"]) != "admission.k8s.io/v1")
            return Failed("expected an admission.k8s.io/v1 AdmissionReview with a response");
        if (JsonText.Str(r["uid"]) != uid) return Failed($"expected response.uid=\"{uid}\", got \"{JsonText.Str(r["uid"])}\"");
        var warnings = (r["warnings"] as JsonArray)?.Select(JsonText.Str).OfType<string>().ToList() ?? [];
        if (r["allowed"] is not JsonValue av || !av.TryGetValue<bool>(out var allowed)) return Failed("response.allowed is missing");
        if (!allowed)
        {
            Log("denied", null, warnings);
            var message = JsonText.Str(r["status"]?["message"]) ?? "";
            var code = r["status"]?["code"] is JsonValue cv && cv.TryGetValue<int>(out var c) && c >= 400 ? c : 400;
            return new ApiError(code, JsonText.Str(r["status"]?["reason"]) ?? "BadRequest",
                $"admission webhook \"{name}\" denied the request{(message.Length > 0 ? ": " + message : " without explanation")}");
        }
        if (r["patch"] is null) { Log("allowed", null, warnings); return obj; }
        if (JsonText.Str(r["patchType"]) != "JSONPatch") return Failed($"unsupported patch type \"{JsonText.Str(r["patchType"])}\"");
        JsonNode? patch;
        try { patch = JsonNode.Parse(Convert.FromBase64String(JsonText.Str(r["patch"]) ?? "")); }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException) { return Failed($"the patch is not base64 JSON: {e.Message}"); }
        var patched = JsonPatch.Apply(obj, patch);
        if (!patched.Ok) return Failed($"the patch does not apply: {patched.Error!.Message}");
        if (patched.Value is not JsonObject result) return Failed("the patch does not leave an object");
        Log("patched", null, warnings);
        return result;
    }

    /// <summary>Where to POST: <c>url</c>, or <c>service</c> (namespace, name, path, port 443) through the configured
    /// resolver; the caBundle as PEM (required: the fake has no system roots for webhooks).</summary>
    private Outcome<(Uri Url, string? ConnectTo, string CaPem)> Target(JsonObject? config)
    {
        if (config is null) return ApiError.BadRequest("webhook has no clientConfig");
        string caPem;
        try { caPem = Encoding.ASCII.GetString(Convert.FromBase64String(JsonText.Str(config["caBundle"]) ?? "")); }
        catch (FormatException) { return ApiError.BadRequest("clientConfig.caBundle is not base64"); }
        if (!caPem.Contains("BEGIN CERTIFICATE", StringComparison.Ordinal)) return ApiError.BadRequest("clientConfig.caBundle holds no PEM certificate");
        if (JsonText.Str(config["url"]) is { } url)
            return Uri.TryCreate(url, UriKind.Absolute, out var u) && u.Scheme == "https"
                ? (u, null, caPem) : ApiError.BadRequest($"clientConfig.url \"{url}\" is not an https URL");
        if (config["service"] is not JsonObject svc) return ApiError.BadRequest("clientConfig has neither url nor service");
        var (ns, name) = (JsonText.Str(svc["namespace"]) ?? "", JsonText.Str(svc["name"]) ?? "");
        var port = svc["port"] is JsonValue pv && pv.TryGetValue<int>(out var p) ? p : 443;
        var path = JsonText.Str(svc["path"]) ?? "/";
        if (_services(ns, name, port) is not { } address)
            return ApiError.BadRequest($"service \"{ns}/{name}:{port}\" has no address (FakeKubeApiOptions.WebhookServices)");
        return (new Uri($"https://{name}.{ns}.svc:{port}{path}"), address, caPem);
    }

    private static HttpClient Client(string caPem, string? connectTo)
    {
        var roots = new X509Certificate2Collection();
        roots.ImportFromPem(caPem);
        var handler = new SocketsHttpHandler
        {
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = (_, cert, _, errors) =>
                {
                    if (cert is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
                        return false;
                    using var chain = new X509Chain();
                    chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                    chain.ChainPolicy.CustomTrustStore.AddRange(roots);
                    chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                    return chain.Build(new X509Certificate2(cert));
                },
            },
        };
        if (connectTo is not null)
        {
            var colon = connectTo.LastIndexOf(':');
            var (host, port) = (connectTo[..colon], int.Parse(connectTo[(colon + 1)..]));
            handler.ConnectCallback = async (_, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try { await socket.ConnectAsync(host, port, ct); return new NetworkStream(socket, ownsSocket: true); }
                catch { socket.Dispose(); throw; }
            };
        }
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    private static JsonObject Review(string uid, AdmissionAttributes a, JsonObject obj, JsonObject? old)
    {
        var kind = new JsonObject { ["group"] = a.Kind.Group, ["version"] = a.Kind.Version, ["kind"] = a.Kind.Kind };
        var resource = new JsonObject { ["group"] = a.Kind.Group, ["version"] = a.Kind.Version, ["resource"] = a.Kind.Resource };
        var request = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = kind,
            ["resource"] = resource,
            ["requestKind"] = kind.DeepClone(),
            ["requestResource"] = resource.DeepClone(),
            ["name"] = a.Name,
            ["namespace"] = a.Namespace,
            ["operation"] = a.Operation,
            ["userInfo"] = new JsonObject { ["username"] = a.User.Name, ["groups"] = new JsonArray([.. a.User.Groups.Select(g => (JsonNode)g)]) },
            ["object"] = obj.DeepClone(),
            ["oldObject"] = old?.DeepClone(),
            ["dryRun"] = a.DryRun,
            ["options"] = new JsonObject { ["apiVersion"] = "meta.k8s.io/v1", ["kind"] = a.Operation == "CREATE" ? "CreateOptions" : "UpdateOptions" },
        };
        if (a.Subresource.Length > 0) request["subResource"] = a.Subresource;
        return new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["request"] = request };
    }
}
