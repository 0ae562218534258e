using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.KubeApi.Http;

/// <summary>TokenReview and SelfSubjectAccessReview on the fake: audience and expiry semantics, the authorizer's
/// answer for the requesting user, and the shapes kubectl reads (<c>kubectl create -f … -o json</c>).</summary>
public sealed class ReviewTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mesh-fake-reviews-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static async Task<JsonNode> PostAsync(HttpClient http, string path, string body, HttpStatusCode expected = HttpStatusCode.Created)
    {
        using var r = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.StatusCode == expected, $"{r.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static string TokenReview(string token, string audience) =>
        new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1", ["kind"] = "TokenReview",
            ["spec"] = new JsonObject { ["token"] = token, ["audiences"] = new JsonArray(audience) },
        }.ToJsonString();

    [Fact]
    public async Task TokenReview_AudienceAndExpiry_AnsweredAsTheApiServer()
    {
        await using var api = await FakeKubeApi.StartAsync();
        using var http = api.CreateHttpClient();
        const string reviews = "/apis/authentication.k8s.io/v1/tokenreviews";

        var good = await PostAsync(http, reviews, TokenReview(api.Tokens.MintServiceAccount("books", "reader", ["identity.mesh.io", "other"]), "identity.mesh.io"));
        Assert.True((bool)good["status"]!["authenticated"]!);
        Assert.Equal("system:serviceaccount:books:reader", (string?)good["status"]!["user"]!["username"]);
        Assert.Equal(["identity.mesh.io"], good["status"]!["audiences"]!.AsArray().Select(a => (string)a!));
        Assert.Contains("system:serviceaccounts:books", good["status"]!["user"]!["groups"]!.AsArray().Select(g => (string)g!));

        var wrong = await PostAsync(http, reviews, TokenReview(api.Tokens.MintServiceAccount("books", "reader"), "identity.mesh.io"));
        Assert.Null(wrong["status"]!["authenticated"]);
        Assert.Contains("is invalid for the target audiences [\"identity.mesh.io\"]", (string)wrong["status"]!["error"]!);

        var expired = await PostAsync(http, reviews, TokenReview(api.Tokens.MintServiceAccount("books", "reader", ["identity.mesh.io"], DateTimeOffset.UtcNow.AddSeconds(-1)), "identity.mesh.io"));
        Assert.Contains("expired", (string)expired["status"]!["error"]!);

        var noToken = await PostAsync(http, reviews, """{"spec":{}}""", HttpStatusCode.BadRequest);
        Assert.Equal("token is required for TokenReview in authentication", (string?)noToken["message"]);
        using var get = await http.GetAsync(reviews);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);

        // A ServiceAccount token for the API server's audience authenticates requests; an expired one does not.
        using var asPod = api.CreateHttpClient(api.Tokens.MintServiceAccount("books", "reader"));
        Assert.Equal(HttpStatusCode.OK, (await asPod.GetAsync("/api/v1/namespaces")).StatusCode);
        using var asExpired = api.CreateHttpClient(api.Tokens.MintServiceAccount("books", "reader", expires: DateTimeOffset.UtcNow.AddSeconds(-1)));
        Assert.Equal(HttpStatusCode.Unauthorized, (await asExpired.GetAsync("/api/v1/namespaces")).StatusCode);
    }

    [Fact]
    public async Task SelfSubjectAccessReview_DeniedRule_AnswersNotAllowedForThatUserOnly()
    {
        var rbac = new RulesAuthorizer();
        rbac.Deny("system:serviceaccount:mesh-system:mesh-silo", "create", "authentication.k8s.io", "tokenreviews");
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = rbac });
        const string body = """{"spec":{"resourceAttributes":{"group":"authentication.k8s.io","resource":"tokenreviews","verb":"create"}}}""";
        const string path = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews";
        using var silo = api.CreateHttpClient(api.Tokens.MintServiceAccount("mesh-system", "mesh-silo"));
        Assert.False((bool)(await PostAsync(silo, path, body))["status"]!["allowed"]!);
        using var admin = api.CreateHttpClient();
        Assert.True((bool)(await PostAsync(admin, path, body))["status"]!["allowed"]!);
        await PostAsync(admin, path, """{"spec":{}}""", HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task SubjectAccessReview_AsksForTheUserInTheSpecNotTheCaller()
    {
        var rbac = new RulesAuthorizer();
        rbac.Deny("system:serviceaccount:mesh:mesh-silo", "watch", "", "pods");
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = rbac });
        const string path = "/apis/authorization.k8s.io/v1/subjectaccessreviews";
        static string Body(string user) =>
            """{"spec":{"user":""" + $"\"{user}\"" + ""","groups":["system:serviceaccounts"],"resourceAttributes":{"resource":"pods","verb":"watch"}}}""";
        using var admin = api.CreateHttpClient();
        var denied = await PostAsync(admin, path, Body("system:serviceaccount:mesh:mesh-silo"));
        Assert.Equal("SubjectAccessReview", (string?)denied["kind"]);
        Assert.False((bool)denied["status"]!["allowed"]!);
        Assert.True((bool)(await PostAsync(admin, path, Body("system:serviceaccount:mesh:other")))["status"]!["allowed"]!);
        var noSubject = await PostAsync(admin, path, """{"spec":{"resourceAttributes":{"resource":"pods","verb":"watch"}}}""", HttpStatusCode.UnprocessableEntity);
        Assert.Contains("at least one of user or group must be specified", (string?)noSubject["message"]);
    }

    [Fact]
    public async Task Kubectl_CreateTokenReviewAndAuthCanI_ReadTheFakesAnswers()
    {
        var rbac = new RulesAuthorizer();
        rbac.Deny("system:serviceaccount:mesh-system:mesh-silo", "create", "authentication.k8s.io", "tokenreviews");
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = rbac });
        using var kubectl = new Kubectl(api);
        var token = api.Tokens.MintServiceAccount("books", "reader", ["identity.mesh.io"]);
        var yaml = Path.Combine(_dir, "tokenreview.yaml");
        File.WriteAllText(yaml, $"""
            apiVersion: authentication.k8s.io/v1
            kind: TokenReview
            spec:
              token: {token}
              audiences: ["identity.mesh.io"]
            """);
        var created = await kubectl.RunAsync("create", "-f", yaml, "-o", "json");
        Assert.True(created.ExitCode == 0, created.Stderr);
        var review = JsonNode.Parse(created.Stdout)!;
        Assert.Equal("TokenReview", (string?)review["kind"]);
        Assert.True((bool)review["status"]!["authenticated"]!);
        Assert.Equal("system:serviceaccount:books:reader", (string?)review["status"]!["user"]!["username"]);
        Assert.Equal("identity.mesh.io", (string?)review["status"]!["audiences"]![0]);

        // `kubectl auth can-i` sends its SelfSubjectAccessReview as protobuf, which the fake does not speak (415, see
        // the README); the same review from a manifest is JSON.
        var ssar = Path.Combine(_dir, "ssar.yaml");
        File.WriteAllText(ssar, """
            apiVersion: authorization.k8s.io/v1
            kind: SelfSubjectAccessReview
            spec:
              resourceAttributes: {group: authentication.k8s.io, resource: tokenreviews, verb: create}
            """);
        var siloConfig = api.WriteKubeconfig(Path.Combine(_dir, "silo"), token: api.Tokens.MintServiceAccount("mesh-system", "mesh-silo"));
        var asSilo = await kubectl.RunAsync("--kubeconfig", siloConfig, "create", "-f", ssar, "-o", "json");
        Assert.True(asSilo.ExitCode == 0, asSilo.ToString());
        var denied = JsonNode.Parse(asSilo.Stdout)!;
        Assert.Equal("SelfSubjectAccessReview", (string?)denied["kind"]);
        Assert.False((bool)denied["status"]!["allowed"]!);
        var asAdmin = await kubectl.RunAsync("create", "-f", ssar, "-o", "json");
        Assert.True(asAdmin.ExitCode == 0, asAdmin.ToString());
        Assert.True((bool)JsonNode.Parse(asAdmin.Stdout)!["status"]!["allowed"]!);
        var canI = await kubectl.RunAsync("auth", "can-i", "create", "tokenreviews.authentication.k8s.io");
        Assert.Contains("UnsupportedMediaType", canI.Stderr + canI.Stdout, StringComparison.OrdinalIgnoreCase);
    }
}
