using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.KubeApi.Http;

/// <summary>Garbage over real HTTPS: selectors, patch bodies, content types, tokens and paths all answer a 4xx with a
/// Status body shaped like the API server's, never a 500, and a rejected write changes nothing.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private FakeKubeApi _api = null!;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync();
        _http = _api.CreateHttpClient();
        await _api.Resources.CreateAsync(_api.Kind("v1", "pods"), "default", JsonNode.Parse("""
            {"metadata":{"name":"p","labels":{"app":"web"},"finalizers":["x"]},"spec":{"containers":[{"name":"app","image":"i"}]}}
            """));
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
    }

    private static Gen<string> OneOf(params string[] values) => Gen.Int[0, values.Length - 1].Select(i => values[i]);

    private static async Task<JsonObject> StatusOf(HttpResponseMessage r)
    {
        var body = await r.Content.ReadAsStringAsync();
        var status = JsonNode.Parse(body) as JsonObject;
        Assert.True(status is not null, body);
        Assert.Equal("Status", (string?)status!["kind"]);
        Assert.Equal("v1", (string?)status["apiVersion"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal((int)r.StatusCode, (int)status["code"]!);
        Assert.False(string.IsNullOrEmpty((string?)status["reason"]));
        return status;
    }

    [Fact]
    public void List_GarbageSelectors_Answer200Or400NeverA500()
    {
        Gen.Select(Gen.String[Gen.Char["ab=!,()<> inotx/.-_1%&"], 0, 30], Gen.Bool).Sample((selector, field) =>
        {
            var q = (field ? "fieldSelector=" : "labelSelector=") + Uri.EscapeDataString(selector);
            using var r = _http.GetAsync($"/api/v1/namespaces/default/pods?{q}").GetAwaiter().GetResult();
            Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{q}: {(int)r.StatusCode}");
            if (r.StatusCode != HttpStatusCode.OK) Assert.Equal("BadRequest", (string?)StatusOf(r).GetAwaiter().GetResult()["reason"]);
        }, iter: 300, threads: 1);
    }

    [Fact]
    public void Patch_GarbageBodies_AnswerAClientErrorAndChangeNothingWhenRejected()
    {
        var types = OneOf("application/merge-patch+json", "application/json-patch+json", "application/strategic-merge-patch+json",
            "application/apply-patch+yaml", "text/plain", "application/json");
        Gen.Select(RandomJson.Text, types, Gen.Bool).Sample((body, type, status) =>
        {
            var before = _api.Resources.Get(_api.Kind("v1", "pods"), "default", "p").Value?.ToJsonString();
            var url = "/api/v1/namespaces/default/pods/p" + (status ? "/status" : "");
            using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
            content.Headers.TryAddWithoutValidation("Content-Type", type);
            using var r = _http.PatchAsync(url, content).GetAwaiter().GetResult();
            Assert.True((int)r.StatusCode is 200 or 400 or 404 or 409 or 415 or 422, $"{type} {body}: {(int)r.StatusCode} {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            if (r.StatusCode == HttpStatusCode.NotFound)
            {
                // A patch may delete the object legitimately (emptied finalizers after a deletion); put it back.
                return;
            }
            if (r.StatusCode != HttpStatusCode.OK)
            {
                StatusOf(r).GetAwaiter().GetResult();
                Assert.Equal(before, _api.Resources.Get(_api.Kind("v1", "pods"), "default", "p").Value?.ToJsonString());
            }
        }, iter: 400, threads: 1, print: t => $"{t.Item2} {(t.Item3 ? "/status" : "")} {t.Item1}");
    }

    [Fact]
    public void Create_GarbageBodies_AnswerAClientError()
    {
        Gen.Select(RandomJson.Text, OneOf("pods", "configmaps", "namespaces", "customresourcedefinitions")).Sample((body, resource) =>
        {
            var url = resource switch
            {
                "namespaces" => "/api/v1/namespaces",
                "customresourcedefinitions" => "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                _ => $"/api/v1/namespaces/default/{resource}",
            };
            using var content = new StringContent(body, Encoding.UTF8, new System.Net.Http.Headers.MediaTypeHeaderValue("application/json"));
            using var r = _http.PostAsync(url, content).GetAwaiter().GetResult();
            Assert.True((int)r.StatusCode is 201 or 400 or 409 or 422, $"{url} {body}: {(int)r.StatusCode} {r.Content.ReadAsStringAsync().GetAwaiter().GetResult()}");
            if (r.StatusCode != HttpStatusCode.Created) StatusOf(r).GetAwaiter().GetResult();
        }, iter: 300, threads: 1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("wrong")]
    public async Task Request_WithoutTheToken_Answers401Status(string token)
    {
        using var anonymous = _api.CreateHttpClient(token);
        using var r = await anonymous.GetAsync("/api/v1/namespaces/default/pods");
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.Equal("Unauthorized", (string?)(await StatusOf(r))["reason"]);
    }

    [Theory]
    [InlineData("GET", "/api/v1/namespaces/default/pods/nope", 404, "NotFound")]
    [InlineData("GET", "/api/v1/namespaces/default/widgets", 404, "NotFound")]
    [InlineData("GET", "/api/v1/namespaces/default/pods/p/exec", 404, "NotFound")]
    [InlineData("GET", "/api/v1/pods?limit=-1", 400, "BadRequest")]
    [InlineData("GET", "/api/v1/pods?resourceVersion=abc", 400, "BadRequest")]
    [InlineData("GET", "/api/v1/pods?resourceVersionMatch=Exact", 400, "BadRequest")]
    [InlineData("GET", "/api/v1/pods?resourceVersion=999999&resourceVersionMatch=NotOlderThan", 504, "Timeout")]
    [InlineData("GET", "/api/v1/pods?continue=bm90LWEtdG9rZW4", 400, "BadRequest")]
    [InlineData("GET", "/api/v1/pods?watch=true&resourceVersionMatch=NotOlderThan&resourceVersion=1", 422, "Invalid")]
    [InlineData("DELETE", "/api/v1/namespaces/default/pods", 405, "MethodNotAllowed")]
    [InlineData("POST", "/api/v1/namespaces/nowhere/configmaps", 404, "NotFound")]
    public async Task Request_Invalid_AnswersTheApiServersStatus(string method, string url, int code, string reason)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method == "POST") request.Content = new StringContent("""{"metadata":{"name":"c"}}""", Encoding.UTF8, "application/json");
        using var r = await _http.SendAsync(request);
        Assert.Equal(code, (int)r.StatusCode);
        Assert.Equal(reason, (string?)(await StatusOf(r))["reason"]);
    }

    [Fact]
    public async Task Get_Missing_StatusDetailsNameTheResource()
    {
        using var r = await _http.GetAsync("/apis/coordination.k8s.io/v1/namespaces/default/leases/l");
        var status = await StatusOf(r);
        Assert.Equal("leases.coordination.k8s.io \"l\" not found", (string?)status["message"]);
        Assert.Equal("""{"name":"l","group":"coordination.k8s.io","kind":"leases"}""", status["details"]!.ToJsonString());
    }

    [Fact]
    public async Task Post_ProtobufBody_Answers415()
    {
        using var content = new ByteArrayContent([0x6b, 0x38, 0x73, 0x00]);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/vnd.kubernetes.protobuf");
        using var r = await _http.PostAsync("/api/v1/namespaces/default/configmaps", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        await StatusOf(r);
    }
}
