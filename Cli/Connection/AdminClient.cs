using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.Cli.Connection;

/// <summary>The silo's admin API (HTTP JSON under /api/v1). Transport failures become
/// <see cref="SiloUnreachableException"/> (exit 2), 401 a user error naming the token source, other error statuses
/// <see cref="AdminProblemException"/>.</summary>
internal sealed class AdminClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly SiloConnection _connection;
    private readonly TimeSpan _timeout;

    public AdminClient(SiloConnection connection, TimeSpan timeout)
    {
        _connection = connection;
        _timeout = timeout;
        // Idle pooled connections are dropped before the silo's 10 s keep-alive limit closes them, so a request never
        // races the server's close on a connection it is about to drop.
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5), PooledConnectionIdleTimeout = TimeSpan.FromSeconds(5) })
        {
            BaseAddress = connection.Admin,
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (connection.Token is not null)
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", connection.Token);
    }

    public static AdminClient Create(CliContext context) => new(SiloConnection.Resolve(context), context.RequestTimeout);

    public SiloConnection Connection => _connection;

    /// <summary>POST /api/v1/apply: the results array (kind, namespace, name, action).</summary>
    public async Task<JsonArray> ApplyAsync(string manifest, string? ns, bool dryRun, CancellationToken ct) =>
        (await ApplyWithWarningsAsync(manifest, ns, dryRun, ct)).Results;

    /// <summary>POST /api/v1/apply: the results and the silo's warnings (e.g. a backendRef to a Service that does not exist).</summary>
    public async Task<(JsonArray Results, IReadOnlyList<string> Warnings)> ApplyWithWarningsAsync(string manifest, string? ns, bool dryRun, CancellationToken ct)
    {
        var query = new List<string>();
        if (ns is not null)
            query.Add("namespace=" + Uri.EscapeDataString(ns));
        if (dryRun)
            query.Add("dryRun=true");
        var path = "api/v1/apply" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
        using var content = new StringContent(manifest, Encoding.UTF8, "application/yaml");
        var answer = await SendAsync(HttpMethod.Post, path, content, ct);
        var warnings = (answer?["warnings"] as JsonArray ?? []).Select(w => w?.GetValue<string>()).OfType<string>().ToList();
        return (answer?["results"] as JsonArray ?? [], warnings);
    }

    /// <summary>GET /api/v1/resources/{kind}[?namespace=]: the items; null namespace lists every namespace.</summary>
    public async Task<JsonArray> ListAsync(string kind, string? ns, CancellationToken ct)
    {
        var path = $"api/v1/resources/{Uri.EscapeDataString(kind)}" + (ns is null ? "" : "?namespace=" + Uri.EscapeDataString(ns));
        var answer = await SendAsync(HttpMethod.Get, path, null, ct);
        return answer?["items"] as JsonArray ?? [];
    }

    public async Task<JsonNode?> GetAsync(string kind, string ns, string name, CancellationToken ct) =>
        await SendAsync(HttpMethod.Get, ResourcePath(kind, ns, name), null, ct);

    public async Task DeleteAsync(string kind, string ns, string name, CancellationToken ct) =>
        await SendAsync(HttpMethod.Delete, ResourcePath(kind, ns, name), null, ct);

    /// <summary>GET /api/v1/services/{ns}/{name}: resource, service, endpoints and profile with their versions.</summary>
    public Task<JsonNode?> DescribeServiceAsync(string ns, string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"api/v1/services/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}", null, ct);

    public Task<JsonNode?> InfoAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "api/v1/info", null, ct);

    /// <summary>GET /healthz as it is (text, 200 or 503) with the response's Date header, for `mesh check`.</summary>
    public Task<AdminResponse> HealthAsync(CancellationToken ct) => SendRawAsync(HttpMethod.Get, "healthz", null, ct);

    /// <summary>GET /api/v1/identities: trust domain, anchors, issuer and the certificates issued so far.</summary>
    public Task<JsonNode?> IdentitiesAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "api/v1/identities", null, ct);

    /// <summary>POST /api/v1/identity/tokens: a workload token for ns/sa ({token, identity}).</summary>
    public Task<JsonNode?> IssueTokenAsync(string ns, string serviceAccount, long? ttlSeconds, CancellationToken ct)
    {
        var body = new JsonObject { ["namespace"] = ns, ["serviceAccount"] = serviceAccount };
        if (ttlSeconds is { } ttl)
            body["ttlSeconds"] = ttl;
        return SendAsync(HttpMethod.Post, "api/v1/identity/tokens", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"), ct);
    }

    /// <summary>POST /api/v1/identity/rotate-issuer: {issuer} after the rotation.</summary>
    public Task<JsonNode?> RotateIssuerAsync(CancellationToken ct) => SendAsync(HttpMethod.Post, "api/v1/identity/rotate-issuer", null, ct);

    /// <summary>GET /api/v1/stats/{what}?namespace=&amp;window= (what: services, edges, routes/{ns}/{name}, top).</summary>
    public Task<JsonNode?> StatsAsync(string what, string? ns, string? window, CancellationToken ct)
    {
        var query = new List<string>();
        if (ns is not null)
            query.Add("namespace=" + Uri.EscapeDataString(ns));
        if (window is not null)
            query.Add("window=" + Uri.EscapeDataString(window));
        return SendAsync(HttpMethod.Get, "api/v1/stats/" + what + (query.Count > 0 ? "?" + string.Join("&", query) : ""), null, ct);
    }

    /// <summary>GET /api/v1/proxies: what each proxy last reported (connection, certificate, clock skew, problems).</summary>
    public Task<JsonNode?> ProxiesAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "api/v1/proxies", null, ct);

    private static string ResourcePath(string kind, string ns, string name) =>
        $"api/v1/resources/{Uri.EscapeDataString(kind)}/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}";

    private async Task<JsonNode?> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        var (status, reason, body, _) = await SendRawAsync(method, path, content, ct);
        if ((int)status is >= 200 and < 300)
            return ParseBody(body, path);
        if (status == HttpStatusCode.Unauthorized)
            throw Unauthorized(AdminProblem.Parse(status, reason, body));
        if (status == HttpStatusCode.RequestEntityTooLarge)
            throw new CliException("the silo refused the request as too large (413)", hint: "split the manifests into several files and apply them one by one");
        throw new AdminProblemException(AdminProblem.Parse(status, reason, body));
    }

    private async Task<AdminResponse> SendRawAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpStatusCode status;
        string? reason;
        string body;
        DateTimeOffset? date;
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            status = response.StatusCode;
            reason = response.ReasonPhrase;
            date = response.Headers.Date;
            body = await response.Content.ReadAsStringAsync(timeout.Token);
        }
        catch (HttpRequestException e)
        {
            throw new SiloUnreachableException(AdminAddress, Reason(e));
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new SiloUnreachableException(AdminAddress, $"no answer within {_timeout.TotalSeconds:0} s");
        }
        return new AdminResponse(status, reason, body, date);
    }

    private string AdminAddress => _connection.Admin.ToString().TrimEnd('/');

    private JsonNode? ParseBody(string body, string path)
    {
        if (body.Length == 0)
            return null;
        try
        {
            return JsonNode.Parse(body);
        }
        catch (JsonException e)
        {
            throw new CliException($"the silo at {AdminAddress} answered /{path} with something that is not JSON ({e.Message})",
                hint: "is MESH_ADMIN_ADDR pointing at the silo's admin port (default 8085)?");
        }
    }

    private CliException Unauthorized(AdminProblem problem)
    {
        var source = _connection.Token is null
            ? $"no token was sent: MESH_TOKEN is unset and {_connection.TokenFile} does not exist"
            : $"the token was rejected ({problem.Summary})";
        return new CliException(
            $"not authorized by the silo at {AdminAddress}: {source}",
            hint: $"set MESH_TOKEN to the silo's admin token, or point MESH_DATA_DIR at the silo's data dir (it writes the token to <data-dir>/{SiloConnection.TokenFileName})");
    }

    private static string Reason(HttpRequestException e) => e.HttpRequestError switch
    {
        HttpRequestError.ConnectionError when e.InnerException is System.Net.Sockets.SocketException s => s.SocketErrorCode switch
        {
            System.Net.Sockets.SocketError.ConnectionRefused => "connection refused",
            System.Net.Sockets.SocketError.TimedOut => "connect timed out",
            _ => s.Message,
        },
        HttpRequestError.NameResolutionError => "unknown host",
        _ => e.Message,
    };

    public void Dispose() => _http.Dispose();
}

/// <summary>An admin API answer before interpretation: status, reason phrase, body text and the server's Date header.</summary>
internal sealed record AdminResponse(HttpStatusCode Status, string? Reason, string Body, DateTimeOffset? Date);
