using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Testing.KubeApi;
using Mesh.Testing.KubeApi.Http;

namespace Mesh.Kubernetes.Tests.KubeApi;

/// <summary>The fake API server driven by the real KubernetesClient 21.0.8, over its kubeconfig (CA-verified TLS,
/// bearer token): consistent paging, watch with onError wired, 410 after compaction as the client surfaces it,
/// reconnect after a dropped connection, bookmarks incl. initial-events-end, optimistic concurrency, status
/// subresource, finalizers, injected faults.</summary>
public sealed class KubernetesClientTests : IAsyncLifetime
{
    private const string Ns = "default";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private FakeKubeApi _api = null!;
    private k8s.Kubernetes _client = null!;
    private string _dir = "";

    public async Task InitializeAsync()
    {
        _api = await FakeKubeApi.StartAsync(new FakeKubeApiOptions { BookmarkInterval = TimeSpan.FromHours(1) });
        _dir = Directory.CreateTempSubdirectory("mesh-kubeclient-").FullName;
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_api.WriteKubeconfig(Path.Combine(_dir, "kubeconfig")));
        _client = new k8s.Kubernetes(config);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _api.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private Task<V1ConfigMap> CreateAsync(string name, string value = "1", string? ns = Ns) =>
        _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = name } },
            Data = new Dictionary<string, string> { ["v"] = value },
        }, ns);

    /// <summary>A watch as a queue of events, with every onError exception kept: the way a syncer must consume it.</summary>
    private sealed class WatchLog
    {
        public Channel<(WatchEventType Type, V1ConfigMap Object)> Events { get; } = Channel.CreateUnbounded<(WatchEventType, V1ConfigMap)>();
        public List<Exception> Errors { get; } = [];
        public Task Pump { get; set; } = Task.CompletedTask;

        public async Task<(WatchEventType Type, V1ConfigMap Object)> NextAsync()
        {
            using var cts = new CancellationTokenSource(Deadline);
            return await Events.Reader.ReadAsync(cts.Token);
        }
    }

    private WatchLog Watch(string? resourceVersion, bool bookmarks = false, bool? sendInitialEvents = null, string? match = null, CancellationToken ct = default)
    {
        var log = new WatchLog();
        var response = _client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(Ns, watch: true, resourceVersion: resourceVersion,
            allowWatchBookmarks: bookmarks, sendInitialEvents: sendInitialEvents, resourceVersionMatch: match, cancellationToken: ct);
        log.Pump = Task.Run(async () =>
        {
            try
            {
#pragma warning disable CS0618 // WatchAsync over the list response is the library's current watch API (the generated Watch* methods are newer).
                await foreach (var (type, obj) in response.WatchAsync<V1ConfigMap, V1ConfigMapList>(e => { lock (log.Errors) log.Errors.Add(e); }, ct))
#pragma warning restore CS0618
                    log.Events.Writer.TryWrite((type, obj));
            }
            finally
            {
                log.Events.Writer.TryComplete();
            }
        }, ct);
        return log;
    }

    private static async Task<bool> EndsAsync(WatchLog log)
    {
        using var cts = new CancellationTokenSource(Deadline);
        try
        {
            while (await log.Events.Reader.WaitToReadAsync(cts.Token)) log.Events.Reader.TryRead(out _);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [Fact]
    public async Task ListNamespacedConfigMap_WithLimit_PagesAreOneConsistentSnapshot()
    {
        foreach (var i in Enumerable.Range(0, 7)) await CreateAsync($"cm-{i}");
        var first = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 3);
        Assert.Equal(3, first.Items.Count);
        Assert.Equal(4, first.Metadata.RemainingItemCount);
        // Written after the first page: a consistent list read at the first page's version does not show it.
        await CreateAsync("cm-late");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("cm-5", Ns);
        var names = first.Items.Select(i => i.Metadata.Name).ToList();
        var token = first.Metadata.ContinueProperty;
        while (token is not null)
        {
            var page = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 3, continueParameter: token);
            Assert.Equal(first.Metadata.ResourceVersion, page.Metadata.ResourceVersion);
            names.AddRange(page.Items.Select(i => i.Metadata.Name));
            token = page.Metadata.ContinueProperty;
        }
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"cm-{i}"), names);
        var now = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        Assert.Contains(now.Items, i => i.Metadata.Name == "cm-late");
        Assert.DoesNotContain(now.Items, i => i.Metadata.Name == "cm-5");
    }

    [Fact]
    public async Task ListNamespacedConfigMap_ContinueAfterCompaction_Returns410Expired()
    {
        foreach (var i in Enumerable.Range(0, 3)) await CreateAsync($"cm-{i}");
        var first = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 1);
        await CreateAsync("after");
        _api.Compact();
        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CoreV1.ListNamespacedConfigMapAsync(Ns, limit: 1, continueParameter: first.Metadata.ContinueProperty));
        Assert.Equal(HttpStatusCode.Gone, e.Response.StatusCode);
        Assert.Contains("\"reason\":\"Expired\"", e.Response.Content);
        Assert.Contains("\"kind\":\"Status\"", e.Response.Content);
    }

    [Fact]
    public async Task WatchAsync_FromListVersion_SeesEveryChangeInOrderThenABookmark()
    {
        await CreateAsync("before");
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        var watch = Watch(list.Metadata.ResourceVersion, bookmarks: true);
        await CreateAsync("a");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"v":"2"}}""", V1Patch.PatchType.MergePatch), "a", Ns);
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("a", Ns);
        var added = await watch.NextAsync();
        var modified = await watch.NextAsync();
        var deleted = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "a"), (added.Type, added.Object.Metadata.Name));
        Assert.Equal((WatchEventType.Modified, "2"), (modified.Type, modified.Object.Data["v"]));
        Assert.Equal(WatchEventType.Deleted, deleted.Type);
        Assert.True(long.Parse(added.Object.Metadata.ResourceVersion) < long.Parse(modified.Object.Metadata.ResourceVersion));
        Assert.True(long.Parse(modified.Object.Metadata.ResourceVersion) < long.Parse(deleted.Object.Metadata.ResourceVersion));
        _api.SendBookmarks();
        var bookmark = await watch.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, bookmark.Type);
        Assert.Equal(_api.ResourceVersion.ToString(), bookmark.Object.Metadata.ResourceVersion);
        Assert.Empty(watch.Errors);
    }

    [Fact]
    public async Task WatchAsync_SendInitialEvents_AddsTheStateThenTheInitialEventsEndBookmark()
    {
        await CreateAsync("x");
        await CreateAsync("y");
        var watch = Watch(null, bookmarks: true, sendInitialEvents: true, match: "NotOlderThan");
        var first = await watch.NextAsync();
        var second = await watch.NextAsync();
        Assert.Equal([(WatchEventType.Added, "x"), (WatchEventType.Added, "y")], [(first.Type, first.Object.Metadata.Name), (second.Type, second.Object.Metadata.Name)]);
        var end = await watch.NextAsync();
        Assert.Equal(WatchEventType.Bookmark, end.Type);
        Assert.Equal("true", end.Object.Metadata.Annotations["k8s.io/initial-events-end"]);
        Assert.Equal(_api.ResourceVersion.ToString(), end.Object.Metadata.ResourceVersion);
        await CreateAsync("z");
        Assert.Equal("z", (await watch.NextAsync()).Object.Metadata.Name);
    }

    [Fact]
    public async Task WatchAsync_SendInitialEventsWithoutNotOlderThan_IsRejectedAsInvalid()
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(() =>
            _client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(Ns, watch: true, allowWatchBookmarks: true, sendInitialEvents: true));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
        Assert.Contains("resourceVersionMatch", e.Response.Content);
    }

    [Fact]
    public async Task WatchAsync_FromACompactedVersion_SurfacesA410OnlyThroughOnError()
    {
        var old = (await CreateAsync("a")).Metadata.ResourceVersion;
        await CreateAsync("b");
        _api.Compact();
        // As the API server does once it accepted the watch: HTTP 200, then one ERROR event with a 410 Status.
        var watch = Watch(old);
        Assert.True(await EndsAsync(watch), "the watch did not end after its 410");
        await watch.Pump;
        var error = Assert.IsType<KubernetesException>(Assert.Single(watch.Errors));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.Equal("Failure", error.Status.Status);

        // Without onError the same 410 looks like a clean end of stream, which is why the syncer must wire it.
#pragma warning disable CS0618
        var events = 0;
        await foreach (var _ in _client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(Ns, watch: true, resourceVersion: old).WatchAsync<V1ConfigMap, V1ConfigMapList>())
            events++;
#pragma warning restore CS0618
        Assert.Equal(0, events);
    }

    [Fact]
    public async Task WatchAsync_OpenWhenCompactionOvertakesIt_GetsA410ErrorEvent()
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        var watch = Watch(list.Metadata.ResourceVersion);
        await CreateAsync("a");
        Assert.Equal("a", (await watch.NextAsync()).Object.Metadata.Name);
        _api.Compact(expireOpenWatches: true);
        Assert.True(await EndsAsync(watch));
        await watch.Pump;
        Assert.Equal(410, Assert.IsType<KubernetesException>(Assert.Single(watch.Errors)).Status.Code);
    }

    [Fact]
    public async Task WatchAsync_DroppedConnection_ReconnectFromLastVersionMissesNothing()
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        var watch = Watch(list.Metadata.ResourceVersion);
        await CreateAsync("a");
        var last = (await watch.NextAsync()).Object.Metadata.ResourceVersion;
        Assert.Equal(1, _api.DropWatches());
        var failure = await Record.ExceptionAsync(() => watch.Pump.WaitAsync(Deadline));
        Assert.True(failure is IOException or HttpRequestException || watch.Errors.Count > 0, $"a cut connection must not look like a clean end: {failure}");
        // Changes while no one watches.
        await CreateAsync("b");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("a", Ns);
        var again = Watch(last);
        var b = await again.NextAsync();
        var a = await again.NextAsync();
        Assert.Equal((WatchEventType.Added, "b"), (b.Type, b.Object.Metadata.Name));
        Assert.Equal((WatchEventType.Deleted, "a"), (a.Type, a.Object.Metadata.Name));
        Assert.Empty(again.Errors);
    }

    [Fact]
    public async Task WatchAsync_TimeoutSeconds_EndsCleanlyAndReWatchFromTheLastVersionContinues()
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        var events = 0;
        string last = list.Metadata.ResourceVersion;
        await CreateAsync("a");
        var errors = new List<Exception>();
        using var deadline = new CancellationTokenSource(Deadline);
#pragma warning disable CS0618
        await foreach (var (_, obj) in _client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(Ns, watch: true, resourceVersion: last, timeoutSeconds: 1)
            .WatchAsync<V1ConfigMap, V1ConfigMapList>(errors.Add, deadline.Token))
#pragma warning restore CS0618
        {
            events++;
            last = obj.Metadata.ResourceVersion;
        }
        Assert.Equal(1, events);
        Assert.Empty(errors);
        await CreateAsync("b");
        var again = Watch(last);
        var next = await again.NextAsync();
        Assert.Equal((WatchEventType.Added, "b"), (next.Type, next.Object.Metadata.Name));
    }

    [Fact]
    public async Task ReplaceNamespacedConfigMap_WithStaleResourceVersion_Returns409Conflict()
    {
        var created = await CreateAsync("a");
        created.Data["v"] = "2";
        var updated = await _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", Ns);
        Assert.NotEqual(created.Metadata.ResourceVersion, updated.Metadata.ResourceVersion);
        created.Data["v"] = "3";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", Ns));
        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Contains("\"reason\":\"Conflict\"", e.Response.Content);
        Assert.Contains("the object has been modified", e.Response.Content);
        Assert.Equal("2", (await _client.CoreV1.ReadNamespacedConfigMapAsync("a", Ns)).Data["v"]);

        var delete = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.DeleteNamespacedConfigMapAsync("a", Ns,
            new V1DeleteOptions { Preconditions = new V1Preconditions { ResourceVersion = created.Metadata.ResourceVersion } }));
        Assert.Equal(HttpStatusCode.Conflict, delete.Response.StatusCode);
        Assert.Contains("Precondition failed", delete.Response.Content);
    }

    [Fact]
    public async Task StatusSubresource_WritesOnlyStatusAndTheMainResourceIgnoresStatus()
    {
        var pod = await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "nginx" }] },
            Status = new V1PodStatus { Phase = "Running" },
        }, Ns);
        Assert.Equal("Pending", pod.Status?.Phase);
        pod.Status = new V1PodStatus { Phase = "Running", PodIP = "10.0.0.7" };
        pod.Spec.Containers[0].Image = "ignored-by-status";
        var afterStatus = await _client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", Ns);
        Assert.Equal("10.0.0.7", afterStatus.Status.PodIP);
        Assert.Equal("nginx", afterStatus.Spec.Containers[0].Image);
        Assert.Equal(1, afterStatus.Metadata.Generation);

        var patched = await _client.CoreV1.PatchNamespacedPodAsync(new V1Patch("""{"status":{"podIP":"10.9.9.9"},"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}""",
            V1Patch.PatchType.StrategicMergePatch), "p", Ns);
        Assert.Equal("10.0.0.7", patched.Status.PodIP);
        Assert.Equal("nginx:2", patched.Spec.Containers[0].Image);
        Assert.Equal(2, patched.Metadata.Generation);
    }

    [Fact]
    public async Task PodFieldSelectors_StatusPodIpAndPhase_ListAndWatchAsTheStatusChanges()
    {
        foreach (var name in new[] { "p1", "p2" })
            await _client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = name },
                Spec = new V1PodSpec { NodeName = "node-a", Containers = [new V1Container { Name = "app", Image = "nginx" }] },
            }, Ns);
        var rv = (await _client.CoreV1.ListNamespacedPodAsync(Ns)).Metadata.ResourceVersion;
        using var cts = new CancellationTokenSource(Deadline);
        var running = Channel.CreateUnbounded<(WatchEventType, V1Pod)>();
        var errors = new List<Exception>();
        var pump = Task.Run(async () =>
        {
#pragma warning disable CS0618
            await foreach (var e in _client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(Ns, watch: true, resourceVersion: rv, fieldSelector: "status.phase=Running", cancellationToken: cts.Token)
                .WatchAsync<V1Pod, V1PodList>(errors.Add, cts.Token))
#pragma warning restore CS0618
                running.Writer.TryWrite(e);
        }, cts.Token);
        await _client.CoreV1.PatchNamespacedPodStatusAsync(new V1Patch("""{"status":{"phase":"Running","podIP":"10.1.0.2"}}""", V1Patch.PatchType.MergePatch), "p2", Ns);
        var (type, pod) = await running.Reader.ReadAsync(cts.Token);
        Assert.Equal((WatchEventType.Added, "p2"), (type, pod.Metadata.Name));
        var byIp = await _client.CoreV1.ListNamespacedPodAsync(Ns, fieldSelector: "status.podIP==10.1.0.2");
        Assert.Equal("p2", Assert.Single(byIp.Items).Metadata.Name);
        Assert.Equal(2, (await _client.CoreV1.ListNamespacedPodAsync(Ns, fieldSelector: "spec.nodeName=node-a,status.podIP!=10.9.9.9")).Items.Count);
        var unsupported = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListNamespacedConfigMapAsync(Ns, fieldSelector: "status.podIP=1"));
        Assert.Contains("field label not supported: status.podIP", unsupported.Response.Content);
        await cts.CancelAsync();
        await Record.ExceptionAsync(() => pump);
        Assert.DoesNotContain(errors, e => e is not OperationCanceledException);
    }

    [Fact]
    public async Task Delete_WithAFinalizer_WaitsForItsRemoval()
    {
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "f", Finalizers = ["mesh.io/cleanup"] } }, Ns);
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(Ns);
        var watch = Watch(list.Metadata.ResourceVersion);
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("f", Ns);
        var marked = await _client.CoreV1.ReadNamespacedConfigMapAsync("f", Ns);
        Assert.NotNull(marked.Metadata.DeletionTimestamp);
        Assert.Equal(WatchEventType.Modified, (await watch.NextAsync()).Type);
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""[{"op":"remove","path":"/metadata/finalizers"}]""", V1Patch.PatchType.JsonPatch), "f", Ns);
        Assert.Equal(WatchEventType.Deleted, (await watch.NextAsync()).Type);
        var gone = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ReadNamespacedConfigMapAsync("f", Ns));
        Assert.Equal(HttpStatusCode.NotFound, gone.Response.StatusCode);
    }

    [Fact]
    public async Task InjectedFaults_429WithRetryAfterThen500ThenServed()
    {
        _api.Faults.Fail(r => r.Path.Value!.EndsWith("/configmaps"), ApiError.TooManyRequests(3));
        _api.Faults.Fail(r => r.Path.Value!.EndsWith("/configmaps"), ApiError.Internal("injected"));
        var throttled = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListNamespacedConfigMapAsync(Ns));
        Assert.Equal((HttpStatusCode)429, throttled.Response.StatusCode);
        Assert.Equal("3", throttled.Response.Headers["Retry-After"].Single());
        Assert.Contains("\"retryAfterSeconds\":3", throttled.Response.Content);
        var failed = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoreV1.ListNamespacedConfigMapAsync(Ns));
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Response.StatusCode);
        Assert.Empty((await _client.CoreV1.ListNamespacedConfigMapAsync(Ns)).Items);
    }

    [Fact]
    public async Task LeaseAndEndpointSlice_AreServedInTheirGroups()
    {
        var lease = await _client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "mesh-kubernetes-sync" },
            Spec = new V1LeaseSpec { HolderIdentity = "silo-0", LeaseDurationSeconds = 15, LeaseTransitions = 0 },
        }, "kube-system");
        lease.Spec.HolderIdentity = "silo-1";
        lease.Spec.LeaseTransitions = 1;
        var taken = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "mesh-kubernetes-sync", "kube-system");
        Assert.Equal("silo-1", taken.Spec.HolderIdentity);
        await _client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(new V1EndpointSlice
        {
            Metadata = new V1ObjectMeta { Name = "books-abc", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "books" } },
            AddressType = "IPv4",
            Endpoints = [new V1Endpoint { Addresses = ["10.0.0.1"], Conditions = new V1EndpointConditions { Ready = true } }],
            Ports = [new Discoveryv1EndpointPort { Port = 8080, Name = "http" }],
        }, Ns);
        var slices = await _client.DiscoveryV1.ListNamespacedEndpointSliceAsync(Ns, labelSelector: "kubernetes.io/service-name=books");
        Assert.Equal("10.0.0.1", Assert.Single(Assert.Single(slices.Items).Endpoints).Addresses.Single());
    }
}
