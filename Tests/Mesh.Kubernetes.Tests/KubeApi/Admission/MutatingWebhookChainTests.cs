using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.KubeApi.Admission;

/// <summary>The fake API server's mutating admission chain against a real HTTPS webhook: rules, namespace and object
/// selectors, caBundle trust and the certificate's name, the JSON patch applied before the write, denial, every failure
/// under failurePolicy Fail and Ignore, timeoutSeconds, a service clientConfig, and two webhooks in a row.</summary>
public sealed class MutatingWebhookChainTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-webhook-").FullName;
    private WebhookCertificates _certs = null!;
    private FakeKubeApi _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _certs = WebhookCertificates.Create(_dir, "hook.tests.svc");
        _api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions
        {
            WebhookServices = (ns, name, port) => ns == "tests" && name == "hook" && port == 443 ? _serviceTarget : null,
        });
        _http = _api.CreateHttpClient();
    }

    private string? _serviceTarget;

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
        _certs.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    private static readonly JsonArray AddLabel = JsonNode.Parse("""[{"op":"add","path":"/metadata/labels","value":{"patched":"yes"}}]""")!.AsArray();

    private Task<TestWebhook> Webhook(Func<JsonObject, Task<JsonNode>>? answer = null, WebhookCertificates? certs = null) =>
        TestWebhook.StartAsync(certs ?? _certs, answer ?? (r => Task.FromResult(TestWebhook.Allow(r, AddLabel))));

    private async Task Configure(string name, params JsonObject[] webhooks)
    {
        var mwc = new JsonObject
        {
            ["apiVersion"] = "admissionregistration.k8s.io/v1",
            ["kind"] = "MutatingWebhookConfiguration",
            ["metadata"] = new JsonObject { ["name"] = name },
            ["webhooks"] = new JsonArray(webhooks),
        };
        var created = await _api.Resources.CreateAsync(_api.Kind("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"), null, mwc);
        Assert.True(created.Ok, created.Error?.Message);
    }

    private JsonObject Hook(string url, string? failurePolicy = null, JsonObject? namespaceSelector = null, JsonObject? objectSelector = null,
        string resource = "pods", int? timeout = null, string? caBundle = null, string name = "hook.tests.io")
    {
        var hook = new JsonObject
        {
            ["name"] = name,
            ["admissionReviewVersions"] = new JsonArray("v1"),
            ["sideEffects"] = "None",
            ["clientConfig"] = new JsonObject { ["url"] = url, ["caBundle"] = caBundle ?? _certs.CaBundle },
            ["rules"] = new JsonArray(new JsonObject
            {
                ["apiGroups"] = new JsonArray(""), ["apiVersions"] = new JsonArray("v1"),
                ["operations"] = new JsonArray("CREATE"), ["resources"] = new JsonArray(resource),
            }),
        };
        if (failurePolicy is not null) hook["failurePolicy"] = failurePolicy;
        if (namespaceSelector is not null) hook["namespaceSelector"] = namespaceSelector;
        if (objectSelector is not null) hook["objectSelector"] = objectSelector;
        if (timeout is not null) hook["timeoutSeconds"] = timeout;
        return hook;
    }

    private async Task<HttpResponseMessage> CreatePod(string name, string ns = "default", JsonObject? labels = null) =>
        await _http.PostAsJsonAsync($"/api/v1/namespaces/{ns}/pods", new JsonObject
        {
            ["apiVersion"] = "v1", ["kind"] = "Pod",
            ["metadata"] = new JsonObject { ["name"] = name, ["labels"] = labels ?? new JsonObject { ["app"] = name } },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "app:1" }) },
        });

    private JsonObject? Stored(string name, string ns = "default") => _api.Resources.Get(_api.Kind("v1", "pods"), ns, name).Value;

    [Fact]
    public async Task Create_MatchingWebhook_GetsTheReviewAndItsPatchIsStored()
    {
        await using var hook = await Webhook();
        await Configure("patcher", Hook(hook.Url));

        using var r = await CreatePod("web");

        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Equal("yes", (string?)Stored("web")!["metadata"]!["labels"]!["patched"]);
        var review = Assert.Single(hook.Reviews);
        Assert.Equal("admission.k8s.io/v1", (string?)review["apiVersion"]);
        var request = review["request"]!;
        Assert.Equal("CREATE", (string?)request["operation"]);
        Assert.Equal("default", (string?)request["namespace"]);
        Assert.Equal("Pod", (string?)request["kind"]!["kind"]);
        Assert.Equal("pods", (string?)request["resource"]!["resource"]);
        Assert.Equal("kubernetes-admin", (string?)request["userInfo"]!["username"]);
        Assert.Equal("web", (string?)request["object"]!["metadata"]!["name"]);
        Assert.Equal("patched", Assert.Single(_api.Webhooks.Calls).Outcome);
    }

    [Fact]
    public async Task Create_DryRunAll_WebhookToldAndItsPatchReturnedButNothingStored()
    {
        await using var hook = await Webhook();
        await Configure("patcher", Hook(hook.Url));
        var pod = new JsonObject
        {
            ["metadata"] = new JsonObject { ["generateName"] = "probe-" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "app:1" }) },
        };

        using var r = await _http.PostAsJsonAsync("/api/v1/namespaces/default/pods?dryRun=All", pod);

        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var answered = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("yes", (string?)answered["metadata"]!["labels"]!["patched"]);
        var name = (string)answered["metadata"]!["name"]!;
        Assert.StartsWith("probe-", name, StringComparison.Ordinal);
        Assert.Null(Stored(name));
        Assert.True((bool)Assert.Single(hook.Reviews)["request"]!["dryRun"]!);

        using var real = await CreatePod("web"); // and a write that is not a dry run says so
        Assert.False((bool)hook.Reviews.Last()["request"]!["dryRun"]!);
    }

    [Theory]
    [InlineData("Some", "All", "admission webhook \"hook.tests.io\" does not support dry run")]
    [InlineData("Unknown", "All", "admission webhook \"hook.tests.io\" does not support dry run")]
    [InlineData("None", "Yes", "Invalid value: \"Yes\": supported values: \"All\"")]
    public async Task Create_DryRunAWebhookWithSideEffectsOrAnUnknownValue_Is400AndCallsNobody(string sideEffects, string dryRun, string message)
    {
        await using var hook = await Webhook();
        var config = Hook(hook.Url);
        config["sideEffects"] = sideEffects;
        await Configure("patcher", config);

        using var r = await _http.PostAsJsonAsync($"/api/v1/namespaces/default/pods?dryRun={dryRun}", new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "web" },
            ["spec"] = new JsonObject { ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "app:1" }) },
        });

        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal(message, (string?)JsonNode.Parse(await r.Content.ReadAsStringAsync())!["message"]);
        Assert.Empty(hook.Reviews);
        Assert.Null(Stored("web"));
    }

    [Fact]
    public async Task Create_OtherResourceOrOperation_WebhookNotCalled()
    {
        await using var hook = await Webhook();
        await Configure("patcher", Hook(hook.Url));

        using var cm = await _http.PostAsJsonAsync("/api/v1/namespaces/default/configmaps", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "c" } });
        using var created = await CreatePod("web");
        using var update = await _http.PatchAsync("/api/v1/namespaces/default/pods/web",
            new StringContent("""{"metadata":{"labels":{"x":"y"}}}""", System.Text.Encoding.UTF8, "application/merge-patch+json"));

        Assert.Equal(HttpStatusCode.Created, cm.StatusCode);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.Single(hook.Reviews);
    }

    [Fact]
    public async Task Create_NamespaceSelector_OnlyLabelledNamespacesAreSent()
    {
        await using var hook = await Webhook();
        await Configure("patcher", Hook(hook.Url, namespaceSelector: JsonNode.Parse("""{"matchLabels":{"mesh":"on"}}""")!.AsObject()));
        await _http.PostAsJsonAsync("/api/v1/namespaces", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "meshed", ["labels"] = new JsonObject { ["mesh"] = "on" } } });

        using var plain = await CreatePod("plain");
        using var meshed = await CreatePod("meshed", "meshed");

        Assert.Null(Stored("plain")!["metadata"]!["labels"]!["patched"]);
        Assert.Equal("yes", (string?)Stored("meshed", "meshed")!["metadata"]!["labels"]!["patched"]);
        Assert.Equal("meshed", (string?)Assert.Single(hook.Reviews)["request"]!["namespace"]);
    }

    [Fact]
    public async Task Create_ObjectSelectorExpressions_SkipExcludedObjects()
    {
        await using var hook = await Webhook();
        await Configure("patcher", Hook(hook.Url, objectSelector: JsonNode.Parse(
            """{"matchExpressions":[{"key":"mesh","operator":"NotIn","values":["off"]},{"key":"app","operator":"Exists"}]}""")!.AsObject()));

        using var a = await CreatePod("a");
        using var b = await CreatePod("b", labels: new JsonObject { ["app"] = "b", ["mesh"] = "off" });
        using var c = await CreatePod("c", labels: new JsonObject());

        Assert.Equal("a", (string?)Assert.Single(hook.Reviews)["request"]!["name"]);
    }

    [Fact]
    public async Task Create_WebhookDenies_RejectedWithItsMessageAndNotStored()
    {
        await using var hook = await Webhook(r => Task.FromResult<JsonNode>(new JsonObject
        {
            ["apiVersion"] = "admission.k8s.io/v1", ["kind"] = "AdmissionReview",
            ["response"] = new JsonObject { ["uid"] = (string?)r["uid"], ["allowed"] = false, ["status"] = new JsonObject { ["code"] = 403, ["message"] = "no pods on Fridays" } },
        }));
        await Configure("denier", Hook(hook.Url));

        using var r = await CreatePod("web");

        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        var status = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("admission webhook \"hook.tests.io\" denied the request: no pods on Fridays", (string?)status["message"]);
        Assert.Null(Stored("web"));
    }

    public static TheoryData<string> BadAnswers => new() { "not-a-review", "wrong-uid", "bad-patch", "not-base64", "500" };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task Create_BadAnswer_FailRejectsAndIgnoreAdmitsUnchanged(string kind)
    {
        await using var hook = await Webhook(r => Task.FromResult<JsonNode>(kind switch
        {
            "not-a-review" => new JsonObject { ["hello"] = "world" },
            "wrong-uid" => TestWebhook.Allow(new JsonObject { ["uid"] = "someone-else" }, AddLabel),
            "bad-patch" => TestWebhook.Allow(r, JsonNode.Parse("""[{"op":"replace","path":"/spec/nothing/here","value":1}]""")!.AsArray()),
            "not-base64" => NotBase64(r),
            _ => throw new InvalidOperationException("the webhook crashed"),
        }));
        await Configure("a-fail", Hook(hook.Url, name: "fail.tests.io", objectSelector: JsonNode.Parse("""{"matchLabels":{"policy":"fail"}}""")!.AsObject()));
        await Configure("b-ignore", Hook(hook.Url, "Ignore", name: "ignore.tests.io", objectSelector: JsonNode.Parse("""{"matchLabels":{"policy":"ignore"}}""")!.AsObject()));

        using var failed = await CreatePod("failed", labels: new JsonObject { ["policy"] = "fail" });
        using var ignored = await CreatePod("ignored", labels: new JsonObject { ["policy"] = "ignore" });

        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.StartsWith("Internal error occurred: failed calling webhook \"fail.tests.io\"", (string?)JsonNode.Parse(await failed.Content.ReadAsStringAsync())!["message"]);
        Assert.Null(Stored("failed"));
        Assert.Equal(HttpStatusCode.Created, ignored.StatusCode);
        Assert.Null(Stored("ignored")!["metadata"]!["labels"]!["patched"]);
        Assert.Equal(["failed-rejected", "failed-ignored"], _api.Webhooks.Calls.Select(c => c.Outcome));
    }

    private static JsonNode NotBase64(JsonObject request)
    {
        var reply = TestWebhook.Allow(request, AddLabel);
        reply["response"]!["patch"] = "%%%";
        return reply;
    }

    [Fact]
    public async Task Create_WebhookDown_FailRejectsIgnoreAdmits()
    {
        var closed = $"https://127.0.0.1:{Mesh.Silo.Hosting.ListenAddress.FreePort(IPAddress.Loopback)}/mutate";
        await Configure("down", Hook(closed, "Ignore"));

        using var ignored = await CreatePod("ignored");
        Assert.Equal(HttpStatusCode.Created, ignored.StatusCode);

        await _api.Resources.DeleteAsync(_api.Kind("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"), null, "down", null);
        await Configure("down-fail", Hook(closed));
        using var failed = await CreatePod("failed");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        Assert.Contains("failed to call webhook", (string?)JsonNode.Parse(await failed.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task Create_CaBundleOfAnotherCa_TlsRefusedAndTreatedAsAFailure()
    {
        using var other = WebhookCertificates.Create(Path.Combine(_dir, "other"));
        await using var hook = await Webhook();
        await Configure("mistrusted", Hook(hook.Url, caBundle: other.CaBundle));

        using var r = await CreatePod("web");

        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Empty(hook.Reviews);
    }

    [Fact]
    public async Task Create_CertificateWithoutTheHostName_Refused()
    {
        // Signed by the trusted CA, but for hook.tests.svc only: dialling 127.0.0.1 must fail on the name alone.
        using var dnsOnly = WebhookCertificates.Create(Path.Combine(_dir, "dns-only"), loopbackIp: false, "hook.tests.svc");
        await using var hook = await Webhook(certs: dnsOnly);
        await Configure("wrong-name", Hook(hook.Url, caBundle: dnsOnly.CaBundle));

        using var r = await CreatePod("web");

        Assert.Equal(HttpStatusCode.InternalServerError, r.StatusCode);
        Assert.Empty(hook.Reviews);
        Assert.Contains("certificate", Assert.Single(_api.Webhooks.Calls).Error, StringComparison.OrdinalIgnoreCase);

        // The same certificate through the service name it carries is accepted.
        _serviceTarget = new Uri(hook.Url).Authority;
        var byName = Hook(hook.Url, name: "by-name.tests.io");
        byName["clientConfig"] = JsonNode.Parse($$"""{"service":{"namespace":"tests","name":"hook","path":"/mutate"},"caBundle":"{{dnsOnly.CaBundle}}"}""");
        await _api.Resources.DeleteAsync(_api.Kind("admissionregistration.k8s.io/v1", "mutatingwebhookconfigurations"), null, "wrong-name", null);
        await Configure("right-name", byName);
        using var ok = await CreatePod("web");
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        Assert.Single(hook.Reviews);
    }

    [Fact]
    public async Task Create_SlowerThanTimeoutSeconds_TimedOutAndIgnored()
    {
        using var release = new CancellationTokenSource();
        await using var hook = await Webhook(async r =>
        {
            try { await Task.Delay(Timeout.Infinite, release.Token); } catch (OperationCanceledException) { }
            return TestWebhook.Allow(r, AddLabel);
        });
        await Configure("slow", Hook(hook.Url, "Ignore", timeout: 1));

        using var r = await CreatePod("web");
        release.Cancel();

        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Null(Stored("web")!["metadata"]!["labels"]!["patched"]);
        Assert.Contains("context deadline exceeded (1s)", Assert.Single(_api.Webhooks.Calls).Error);
    }

    [Fact]
    public async Task Create_ServiceClientConfig_ReachedThroughTheResolverWithTheServiceName()
    {
        await using var hook = await Webhook();
        _serviceTarget = new Uri(hook.Url).Authority;
        var webhook = Hook(hook.Url);
        webhook["clientConfig"] = JsonNode.Parse($$"""{"service":{"namespace":"tests","name":"hook","path":"/mutate"},"caBundle":"{{_certs.CaBundle}}"}""");
        await Configure("by-service", webhook);

        using var r = await CreatePod("web");

        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Equal("yes", (string?)Stored("web")!["metadata"]!["labels"]!["patched"]);
    }

    [Fact]
    public async Task Create_TwoWebhooks_TheSecondSeesTheFirstsPatch()
    {
        await using var first = await Webhook();
        await using var second = await Webhook(r => Task.FromResult(TestWebhook.Allow(r,
            JsonNode.Parse("""[{"op":"add","path":"/metadata/labels/second","value":"yes"}]""")!.AsArray())));
        await Configure("a-first", Hook(first.Url, name: "first.tests.io"));
        await Configure("b-second", Hook(second.Url, name: "second.tests.io"));

        using var r = await CreatePod("web");

        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.Equal("yes", (string?)Assert.Single(second.Reviews)["request"]!["object"]!["metadata"]!["labels"]!["patched"]);
        var labels = Stored("web")!["metadata"]!["labels"]!;
        Assert.Equal(("yes", "yes"), ((string?)labels["patched"], (string?)labels["second"]));
    }
}
