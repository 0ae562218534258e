using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Mesh.Testing.KubeApi.Admission;
using Mesh.Testing.KubeApi.Certificates;
using Mesh.Testing.KubeApi.Faults;
using Mesh.Testing.KubeApi.Http;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Resources;
using Mesh.Testing.KubeApi.Seams;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi;

/// <summary>A stateful fake Kubernetes API server on https://127.0.0.1:&lt;random port&gt; with a CA of its own and a
/// bearer token, for tests that need real list/watch/patch semantics without a cluster (see README.md).</summary>
public sealed class FakeKubeApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TestCertificates _certs;
    private readonly ObjectStore _store;
    private readonly ConcurrentQueue<string> _requests = new();

    public string Url { get; }
    public string Token { get; }
    public string CaPem => _certs.CaPem;
    public KindRegistry Kinds { get; }
    public ResourceService Resources { get; }
    public FaultInjector Faults { get; }

    /// <summary>Mints user and ServiceAccount tokens (audiences, expiry) that requests and TokenReview accept.</summary>
    public TokenAuthority Tokens { get; }

    /// <summary>The admission chain's mutating webhooks and the calls they made.</summary>
    public MutatingWebhookChain Webhooks { get; }

    /// <summary>Every request seen so far, as "METHOD /path?query [content-type]".</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    private FakeKubeApi(WebApplication app, TestCertificates certs, ObjectStore store, KindRegistry kinds, ResourceService resources,
        FaultInjector faults, TokenAuthority tokens, string url, string token, ConcurrentQueue<string> requests, MutatingWebhookChain webhooks)
    {
        Webhooks = webhooks;
        Tokens = tokens;
        _app = app;
        _certs = certs;
        _store = store;
        Kinds = kinds;
        Resources = resources;
        Faults = faults;
        Url = url;
        Token = token;
        _requests = requests;
    }

    public static async Task<FakeKubeApi> StartAsync(FakeKubeApiOptions? options = null)
    {
        options ??= new FakeKubeApiOptions();
        var certs = TestCertificates.Create();
        var token = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
        var tokens = new TokenAuthority(options.Time);
        tokens.Add(token, new KubeUser("kubernetes-admin", ["system:masters", "system:authenticated"]));
        var store = new ObjectStore();
        var kinds = new KindRegistry();
        // Mutating webhooks first, then the test's own hooks (which can act as validators).
        var webhooks = new MutatingWebhookChain(options.WebhookServices);
        webhooks.Attach(store);
        var resources = new ResourceService(store, kinds, [webhooks, .. options.Admission], options.Time);
        var faults = new FaultInjector();
        var requests = new ConcurrentQueue<string>();

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null;
            k.Listen(IPAddress.Loopback, 0, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.UseHttps(certs.Server);
            });
        });
        var app = builder.Build();
        string address = "";
        var handler = new ApiHandler(resources, kinds, faults, tokens, options.Authorizer, options.BookmarkInterval, () => address, options.Time,
            line => { requests.Enqueue(line); options.Log?.Invoke(line); });
        app.Run(handler.HandleAsync);
        await app.StartAsync();
        var url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        address = new Uri(url).Authority;
        var api = new FakeKubeApi(app, certs, store, kinds, resources, faults, tokens, $"https://{address}", token, requests, webhooks);
        foreach (var ns in new[] { "default", "kube-system", "kube-public" })
            await resources.CreateAsync(kinds.Find("", "v1", "namespaces")!, null, new JsonObject { ["metadata"] = new JsonObject { ["name"] = ns } });
        return api;
    }

    /// <summary>The current cluster-wide resourceVersion.</summary>
    public long ResourceVersion => _store.ResourceVersion;

    public int OpenWatches => _store.OpenWatches;

    /// <summary>Compacts history up to now (as etcd compaction does): older resourceVersions and continue tokens then
    /// answer 410. With <paramref name="expireOpenWatches"/> every open watch also gets a 410 ERROR event and ends.</summary>
    public long Compact(bool expireOpenWatches = false) => _store.Compact(expireOpenWatches);

    /// <summary>Cuts every open watch connection mid-stream; returns how many were cut.</summary>
    public int DropWatches() => _store.DropWatches();

    /// <summary>Sends a bookmark now to every open watch that allowed them.</summary>
    public void SendBookmarks() => _store.BookmarkAll();

    /// <summary>Writes a kubeconfig that trusts the fake's CA and authenticates with <paramref name="token"/> (default:
    /// the admin token); returns its path.</summary>
    public string WriteKubeconfig(string path, string context = "fake", string defaultNamespace = "default", string? token = null)
    {
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(CaPem));
        File.WriteAllText(path, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: {context}
              cluster:
                server: {Url}
                certificate-authority-data: {ca}
            users:
            - name: {context}-admin
              user:
                token: {token ?? Token}
            contexts:
            - name: {context}
              context:
                cluster: {context}
                user: {context}-admin
                namespace: {defaultNamespace}
            current-context: {context}
            """);
        return path;
    }

    /// <summary>An HttpClient that trusts only the fake's CA and sends <paramref name="token"/> (default: the admin token;
    /// "" sends none).</summary>
    public HttpClient CreateHttpClient(string? token = null)
    {
        var ca = X509CertificateLoader.LoadCertificate(_certs.Ca.RawData);
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
            {
                if (cert is null) return false;
                using var chain = new X509Chain();
                chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                chain.ChainPolicy.CustomTrustStore.Add(ca);
                chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                return chain.Build(cert);
            },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromSeconds(30) };
        token ??= Token;
        if (token.Length > 0) client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    /// <summary>Resolves a kind by API version and resource name (e.g. "v1", "pods"); throws for an unknown one.</summary>
    public KindInfo Kind(string apiVersion, string resource)
    {
        var slash = apiVersion.IndexOf('/');
        var (group, version) = slash < 0 ? ("", apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        return Kinds.Find(group, version, resource) ?? throw new ArgumentException($"kind {apiVersion} {resource} is not served");
    }

    public async ValueTask DisposeAsync()
    {
        _store.DropWatches();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        _certs.Dispose();
    }
}
