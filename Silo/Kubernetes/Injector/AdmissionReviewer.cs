using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Injection;

namespace Mesh.Silo.Kubernetes.Injector;

/// <summary>Answers one AdmissionReview v1 for a Pod CREATE: the namespace's annotations from the API, then
/// <see cref="PodInjector"/>; injected → <c>patchType: JSONPatch</c> with the patch. It never denies: the pod is admitted
/// (un-injected, with a warning the user sees in kubectl) when the review is for something else, the pod is invalid,
/// or the injector cannot decide — the webhook's failurePolicy is Ignore, and a mesh outage must not stop deployments.
/// Only a review it cannot answer at all (not an AdmissionReview, no request uid) is a 400.</summary>
internal sealed partial class AdmissionReviewer(INamespaceAnnotations namespaces, InjectorSettings settings, InjectorMetrics metrics, ILogger<AdmissionReviewer> logger)
{
    /// <summary>The answer, or null (and why) when the body is not an AdmissionReview with a request uid.</summary>
    public async Task<(JsonObject? Review, string? Problem)> ReviewAsync(JsonNode? body, CancellationToken ct)
    {
        if (body is not JsonObject review || Str(review["kind"]) != "AdmissionReview" || Str(review["apiVersion"]) != "admission.k8s.io/v1")
            return (null, "the body is not an admission.k8s.io/v1 AdmissionReview");
        if (review["request"] is not JsonObject request || Str(request["uid"]) is not { Length: > 0 } uid)
            return (null, "the AdmissionReview has no request.uid");

        var response = new JsonObject { ["uid"] = uid, ["allowed"] = true };
        var answer = new JsonObject { ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview", ["response"] = response };
        // A value of the wrong type reads as absent: garbage is answered, never an exception.
        var kind = request["kind"] as JsonObject;
        if (Str(kind?["group"]) != "" || Str(kind?["kind"]) != "Pod" || Str(request["operation"]) != "CREATE" || (Str(request["subResource"]) ?? "") != "")
        {
            metrics.Admitted("ignored");
            return (answer, null);
        }
        var meta = (request["object"] as JsonObject)?["metadata"] as JsonObject;
        var ns = Str(request["namespace"]) is { Length: > 0 } n ? n : Str(meta?["namespace"]) ?? "";
        var name = Str(meta?["name"]) is { Length: > 0 } pn ? pn : (Str(meta?["generateName"]) ?? "") + "*";
        if (request["object"] is not JsonObject pod || ns.Length == 0)
            return Admit(answer, "error", $"pod {ns}/{name}: the review carries no pod object or namespace");

        IReadOnlyDictionary<string, string> nsAnnotations;
        try { nsAnnotations = await namespaces.GetAsync(ns, ct); }
        catch (NamespaceLookupException e) { return Admit(answer, "error", $"pod {ns}/{name}: cannot read namespace {ns}: {e.Message}"); }

        var result = PodInjector.Inject(pod, new PodContext(ns, nsAnnotations), settings.Proxy);
        var warnings = result.Warnings.Select(w => $"mesh-injector: pod {ns}/{name}: {w}").ToList();
        switch (result.Outcome)
        {
            case InjectionOutcome.Injected:
                response["patchType"] = "JSONPatch";
                response["patch"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(result.Patch.ToJsonString()));
                metrics.Admitted("injected");
                break;
            case InjectionOutcome.Invalid:
                warnings.AddRange(result.Errors.Select(e => $"mesh-injector: pod {ns}/{name} admitted without the proxy: {e}"));
                LogInvalid(logger, ns, name, string.Join("; ", result.Errors));
                metrics.Admitted("invalid");
                break;
            default:
                metrics.Admitted("skipped");
                break;
        }
        if (warnings.Count > 0) response["warnings"] = new JsonArray([.. warnings.Select(w => (JsonNode)w)]);
        return (answer, null);
    }

    private (JsonObject, string?) Admit(JsonObject answer, string outcome, string why)
    {
        LogError(logger, why);
        metrics.Admitted(outcome);
        answer["response"]!["warnings"] = new JsonArray($"mesh-injector: {why}; admitted without the proxy");
        return (answer, null);
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "injector: {Why}; admitted without the proxy")]
    private static partial void LogError(ILogger logger, string why);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "injector: pod {Namespace}/{Name} not injected: {Errors}")]
    private static partial void LogInvalid(ILogger logger, string @namespace, string name, string errors);
}
