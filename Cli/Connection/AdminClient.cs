using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Mesh.Admin.Contract;

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

    /// <summary>POST /api/v1/apply: per-resource outcomes and the silo's warnings (e.g. a backendRef to a Service that
    /// does not exist).</summary>
    public async Task<ApplyResponse> ApplyAsync(string manifest, string? ns, bool dryRun, CancellationToken ct)
    {
        var query = new List<string>();
        if (ns is not null)
            query.Add("namespace=" + Uri.EscapeDataString(ns));
        if (dryRun)
            query.Add("dryRun=true");
        var path = "api/v1/apply" + (query.Count > 0 ? "?" + string.Join("&", query) : "");
        using var content = new StringContent(manifest, Encoding.UTF8, "application/yaml");
        return (await SendAsync(HttpMethod.Post, path, content, AdminJsonContext.Default.ApplyResponse, ct)).Value;
    }

    /// <summary>GET /api/v1/resources/{kind}[?namespace=]: the items; null namespace lists every namespace.</summary>
    public async Task<IReadOnlyList<JsonNode>> ListAsync(string kind, string? ns, CancellationToken ct)
    {
        var path = $"api/v1/resources/{Uri.EscapeDataString(kind)}" + (ns is null ? "" : "?namespace=" + Uri.EscapeDataString(ns));
        var answer = await SendAsync(HttpMethod.Get, path, null, AdminJsonContext.Default.ResourceList, ct);
        return [.. (answer.Value.Items ?? []).Where(i => i.ValueKind != JsonValueKind.Null).Select(i => JsonNode.Parse(i.GetRawText())!)];
    }

    /// <summary>GET /api/v1/resources/{kind}/{ns}/{name}: the stored document (the user's resource, kept untyped).</summary>
    public async Task<JsonNode?> GetAsync(string kind, string ns, string name, CancellationToken ct) =>
        await SendAsync(HttpMethod.Get, ResourcePath(kind, ns, name), null, ct);

    public async Task<DeleteResponse> DeleteAsync(string kind, string ns, string name, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Delete, ResourcePath(kind, ns, name), null, AdminJsonContext.Default.DeleteResponse, ct)).Value;

    /// <summary>GET /api/v1/services/{ns}/{name}: resource, service, endpoints and profile with their versions.</summary>
    public Task<AdminReply<ServiceDescription>> DescribeServiceAsync(string ns, string name, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, $"api/v1/services/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}", null, AdminJsonContext.Default.ServiceDescription, ct);

    public Task<AdminReply<InfoResponse>> InfoAsync(CancellationToken ct) => SendAsync(HttpMethod.Get, "api/v1/info", null, AdminJsonContext.Default.InfoResponse, ct);

    /// <summary>GET /api/v1/kubernetes/sync: what this silo's Kubernetes sync is doing (`mesh check --kubernetes`).</summary>
    public Task<AdminReply<KubernetesSyncStatus>> KubernetesSyncAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/kubernetes/sync", null, AdminJsonContext.Default.KubernetesSyncStatus, ct);
    /// <summary>GET /api/v1/multicluster/link: what another cluster's Link to this one names.</summary>
    /// <summary>GET /api/v1/multicluster/links: every Link's status and the orphans of removed links.</summary>
    public Task<AdminReply<LinksResponse>> LinksAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/multicluster/links", null, AdminJsonContext.Default.LinksResponse, ct);

    /// <summary>POST /api/v1/multicluster/links/{cluster}/unlink: the Link and every resource of source link/{cluster}.</summary>
    public async Task<UnlinkResponse> UnlinkAsync(string cluster, CancellationToken ct) =>
        (await SendAsync(HttpMethod.Post, $"api/v1/multicluster/links/{Uri.EscapeDataString(cluster)}/unlink", null, AdminJsonContext.Default.UnlinkResponse, ct)).Value;

    public async Task<LinkInfoResponse> LinkInfoAsync(CancellationToken ct) =>
        (await SendAsync(HttpMethod.Get, "api/v1/multicluster/link", null, AdminJsonContext.Default.LinkInfoResponse, ct)).Value;

    /// <summary>GET /healthz as it is (text, 200 or 503) with the response's Date header, for `mesh check`.</summary>
    public Task<AdminResponse> HealthAsync(CancellationToken ct) => SendRawAsync(HttpMethod.Get, "healthz", null, ct);

    /// <summary>GET /api/v1/identities: trust domain, anchors, issuer and the certificates issued so far.</summary>
    public Task<AdminReply<IdentitiesResponse>> IdentitiesAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Get, "api/v1/identities", null, AdminJsonContext.Default.IdentitiesResponse, ct);

    /// <summary>POST /api/v1/identity/tokens: a workload token for ns/sa.</summary>
    public async Task<TokenResponse> IssueTokenAsync(string ns, string serviceAccount, long? ttlSeconds, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(new TokenRequest(ns, serviceAccount, ttlSeconds), AdminJsonContext.Default.TokenRequest);
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        return (await SendAsync(HttpMethod.Post, "api/v1/identity/tokens", content, AdminJsonContext.Default.TokenResponse, ct)).Value;
    }

    /// <summary>POST /api/v1/identity/rotate-issuer: the issuer after the rotation.</summary>
    public Task<AdminReply<RotateIssuerResponse>> RotateIssuerAsync(CancellationToken ct) =>
        SendAsync(HttpMethod.Post, "api/v1/identity/rotate-issuer", null, AdminJsonContext.Default.RotateIssuerResponse, ct);

    /// <summary>GET /api/v1/stats/services?namespace=&amp;window=: golden metrics per service.</summary>
    public Task<AdminReply<List<ServiceStatsRow>>> ServiceStatsAsync(string? ns, string? window, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, StatsPath("services", ns, window), null, AdminJsonContext.Default.ListServiceStatsRow, ct);

    /// <summary>GET /api/v1/stats/edges?namespace=&amp;window=: who calls whom.</summary>
    public Task<AdminReply<List<EdgeStatsRow>>> EdgeStatsAsync(string? ns, string? window, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, StatsPath("edges", ns, window), null, AdminJsonContext.Default.ListEdgeStatsRow, ct);

    /// <summary>GET /api/v1/stats/routes/{ns}/{name}?window=: golden metrics per route and backend of a service.</summary>
    public Task<AdminReply<RouteStatsResponse>> RouteStatsAsync(string ns, string name, string? window, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, StatsPath($"routes/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}", null, window), null,
            AdminJsonContext.Default.RouteStatsResponse, ct);

    /// <summary>GET /api/v1/stats/top?namespace=&amp;window=: the most-called paths.</summary>
    public Task<AdminReply<List<TopPathRow>>> TopStatsAsync(string? ns, string? window, CancellationToken ct) =>
        SendAsync(HttpMethod.Get, StatsPath("top", ns, window), null, AdminJsonContext.Default.ListTopPathRow, ct);

    /// <summary>GET /api/v1/proxies: what each proxy last reported (connection, certificate, clock skew, problems).</summary>
    public async Task<List<ProxyStatusRow>> ProxiesAsync(CancellationToken ct) =>
        [.. (await SendAsync(HttpMethod.Get, "api/v1/proxies", null, AdminJsonContext.Default.ListProxyStatusRow, ct)).Value.OfType<ProxyStatusRow>()];

    private static string StatsPath(string what, string? ns, string? window)
    {
        var query = new List<string>();
        if (ns is not null)
            query.Add("namespace=" + Uri.EscapeDataString(ns));
        if (window is not null)
            query.Add("window=" + Uri.EscapeDataString(window));
        return "api/v1/stats/" + what + (query.Count > 0 ? "?" + string.Join("&", query) : "");
    }

    private static string ResourcePath(string kind, string ns, string name) =>
        $"api/v1/resources/{Uri.EscapeDataString(kind)}/{Uri.EscapeDataString(ns)}/{Uri.EscapeDataString(name)}";

    /// <summary>Sends and reads the answer as the contract's <typeparamref name="T"/>; an answer of another shape (or
    /// none) is an error naming the endpoint, never a half-read value.</summary>
    private async Task<AdminReply<T>> SendAsync<T>(HttpMethod method, string path, HttpContent? content, JsonTypeInfo<T> type, CancellationToken ct)
    {
        var json = await SendAsync(method, path, content, ct);
        string reason;
        try
        {
            if (json is not null && json.Deserialize(type) is { } value)
                return new AdminReply<T>(value, json);
            reason = json is null ? "an empty body" : "null";
        }
        catch (JsonException e)
        {
            reason = e.Path is { } at ? $"unexpected value at {at}" : e.Message;
        }
        throw new CliException($"the silo at {AdminAddress} answered {method} /{path.Split('?')[0]} with JSON the admin API does not send ({reason})",
            hint: "is MESH_ADMIN_ADDR pointing at a mesh silo of this version (mesh version shows both)?");
    }

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

/// <summary>An admin API answer read as the contract's record, with the JSON as the silo sent it (what `-o json` prints).</summary>
internal sealed record AdminReply<T>(T Value, JsonNode? Json);

/// <summary>An admin API answer before interpretation: status, reason phrase, body text and the server's Date header.</summary>
internal sealed record AdminResponse(HttpStatusCode Status, string? Reason, string Body, DateTimeOffset? Date);
