using System.Net;
using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Kubernetes.Tests.KubeApi.Seams;

/// <summary>The seams later tests plug RBAC and admission webhooks into: an authorizer's denial is the API server's 403
/// Status, an admission hook can mutate or reject a write before it is stored.</summary>
public sealed class SeamTests
{
    private sealed class DenySecrets : IKubeAuthorizer
    {
        public string Name => "DenySecrets";
        public AuthorizationDecision Authorize(RequestAttributes r) =>
            r.Resource == "secrets" ? new AuthorizationDecision(false, "no rule grants it") : AuthorizationDecision.Allow;
    }

    private sealed class LabelAndRefuse : IAdmissionHook
    {
        public string Name => "LabelAndRefuse";
        public List<string> Seen { get; } = [];

        public ValueTask<Outcome<JsonObject>> AdmitAsync(AdmissionAttributes a, JsonObject obj, JsonObject? old, CancellationToken ct)
        {
            Seen.Add($"{a.Operation} {a.Kind.Resource} {a.Namespace}/{a.Name} by {a.User.Name}");
            if (a.Name == "refused") return ValueTask.FromResult<Outcome<JsonObject>>(ApiError.Forbidden("admission webhook \"test\" denied the request"));
            if (a.Operation == "CREATE" && a.Kind.Resource == "configmaps")
            {
                var labels = obj["metadata"]!["labels"] as JsonObject ?? new JsonObject();
                labels["admitted"] = "true";
                obj["metadata"]!["labels"] = labels;
            }
            return ValueTask.FromResult<Outcome<JsonObject>>(obj);
        }
    }

    [Fact]
    public async Task Authorizer_Denies_Answers403WithTheRequestInTheMessage()
    {
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Authorizer = new DenySecrets() });
        using var http = api.CreateHttpClient();
        using var r = await http.GetAsync("/api/v1/namespaces/default/secrets/s");
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
        var status = JsonNode.Parse(await r.Content.ReadAsStringAsync())!;
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal("secrets \"s\" is forbidden: User \"kubernetes-admin\" cannot get resource \"secrets\" in API group \"\" in the namespace \"default\": no rule grants it",
            (string?)status["message"]);
        using var ok = await http.GetAsync("/api/v1/namespaces/default/configmaps");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task AdmissionHook_MutatesAndRejectsBeforeTheWrite()
    {
        var hook = new LabelAndRefuse();
        await using var api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { Admission = [hook] });
        using var http = api.CreateHttpClient();
        using var created = await http.PostAsync("/api/v1/namespaces/default/configmaps",
            new StringContent("""{"metadata":{"name":"c"}}""", System.Text.Encoding.UTF8, new System.Net.Http.Headers.MediaTypeHeaderValue("application/json")));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("true", (string?)JsonNode.Parse(await created.Content.ReadAsStringAsync())!["metadata"]!["labels"]!["admitted"]);
        var before = api.ResourceVersion;
        using var refused = await http.PostAsync("/api/v1/namespaces/default/configmaps",
            new StringContent("""{"metadata":{"name":"refused"}}""", System.Text.Encoding.UTF8, new System.Net.Http.Headers.MediaTypeHeaderValue("application/json")));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal(before, api.ResourceVersion);
        Assert.Contains("CREATE configmaps default/c by kubernetes-admin", hook.Seen);
    }
}
