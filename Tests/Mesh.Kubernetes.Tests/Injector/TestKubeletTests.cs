using System.Net;
using System.Text.Json.Nodes;
using Mesh.Kubernetes.Tests.KubeApi;
using Mesh.Names;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>The injector's output, run: a pod created through the fake API server (so the admission chain calls the
/// real silo's webhook) is read back, and its `mesh-proxy` container is started by <see cref="TestKubelet"/> as the
/// real mesh-proxy binary with the stored args and env. It must come up ready through the probe the Pod spec names and
/// certified by the Kubernetes-mode silo (TokenReview against the fake) for the pod's service account; with a token
/// the kubelet should not have given it, it must stay unready and say why.</summary>
[Trait("Category", "E2E")]
public sealed class TestKubeletTests(InjectorCluster cluster) : IClassFixture<InjectorCluster>, IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly List<TestKubelet> _kubelets = [];

    private static string ProxyBinary() => Built("MESH_PROXY_BIN", "proxy", "mesh-proxy");

    /// <summary>A binary ./mesh builds under .mesh-build (or the one its variable names, as scripts/test.sh sets it).</summary>
    private static string Built(string variable, string dirName, string file)
    {
        if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } configured) return configured;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Path.Combine(dir.FullName, ".mesh-build", dirName, file) is var built && File.Exists(built)) return built;
        throw new InvalidOperationException($"{file} not found: run ./mesh once (it builds .mesh-build/{dirName}) or set {variable}");
    }

    /// <summary>A pod as a Deployment's ReplicaSet creates it, in a namespace that asks for the proxy; the stored pod.</summary>
    private async Task<JsonObject> CreateInjectedPodAsync(string ns, string name, string serviceAccount, string app = "books")
    {
        using var kubectl = new Kubectl(cluster.Api);
        // The control plane's namespace, as `mesh install` leaves it: the silo's sync takes its Lease there and only
        // then publishes the trust bundle ConfigMap the pod mounts.
        await kubectl.ApplyAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {KubernetesObjects.Namespace}\n");
        await kubectl.ApplyAsync($"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  annotations: {{mesh.io/inject: enabled}}\n");
        await kubectl.ApplyAsync($$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
              namespace: {{ns}}
              labels: {app: {{app}}, pod-template-hash: 7d9f}
            spec:
              serviceAccountName: {{serviceAccount}}
              containers:
              - name: {{app}}
                image: {{app}}:1
                ports: [{containerPort: 8080}]
            """);
        var pod = cluster.Api.Resources.Get(cluster.Api.Kind("v1", "pods"), ns, name).Value ?? throw new InvalidOperationException($"pod {ns}/{name} was not stored");
        Assert.Equal("patched", cluster.Api.Webhooks.Calls.Last(c => c.Namespace == ns && c.Name == name).Outcome);
        return pod;
    }

    /// <summary>The ConfigMap the silo's sync publishes into every namespace, as the kubelet mounts it: a pod whose
    /// ConfigMap is missing does not start, so neither does the proxy here.</summary>
    private async Task<string> TrustBundleAsync(string ns)
    {
        var kind = cluster.Api.Kind("v1", "configmaps");
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until; await Task.Delay(100))
            if ((string?)cluster.Api.Resources.Get(kind, ns, KubernetesObjects.TrustBundleConfigMap).Value?["data"]?["ca-bundle.crt"] is { Length: > 0 } pem)
                return pem;
        throw new InvalidOperationException($"the silo published no ConfigMap {ns}/{KubernetesObjects.TrustBundleConfigMap}");
    }

    private async Task<TestKubelet> RunProxyAsync(JsonObject pod, Func<string, string, string, string> mintToken) =>
        await RunContainerAsync(pod, KubernetesObjects.ProxyContainer, mintToken, network: null);

    private async Task<TestKubelet> RunContainerAsync(JsonObject pod, string container, Func<string, string, string, string> mintToken, PodNetwork? network)
    {
        var ns = (string)pod["metadata"]!["namespace"]!;
        var bundle = await TrustBundleAsync(ns);
        var dir = Directory.CreateDirectory(Path.Combine(cluster.Dir, $"pod-{(string)pod["metadata"]!["name"]!}-{container}")).FullName;
        // The proxy runs as the Pod spec's non-root uid: it must be able to reach its mounted files.
        for (var d = new DirectoryInfo(dir); d is not null && d.FullName != Path.GetTempPath().TrimEnd('/'); d = d.Parent)
            d.UnixFileMode |= UnixFileMode.OtherExecute | UnixFileMode.GroupExecute;
        var control = network?.ControlRelay.ToString().TrimEnd('/') ?? cluster.Silo.Settings.ControlUrl;
        var kubelet = new TestKubelet(ProxyBinary(), pod, container, control, dir, mintToken,
            (_, name, key) => name == KubernetesObjects.TrustBundleConfigMap && key == "ca-bundle.crt" ? bundle : throw new InvalidOperationException($"no ConfigMap {name} key {key}"),
            network?.Sandbox);
        _kubelets.Add(kubelet);
        return kubelet;
    }

    /// <summary>GET of a probe's httpGet on the host port its container port maps to: (status, body).</summary>
    private async Task<(HttpStatusCode Status, string Body)> ProbeAsync(TestKubelet kubelet, string probe)
    {
        var get = kubelet.Container[probe]!["httpGet"]!;
        var port = await kubelet.HostPort((int)get["port"]!, Deadline);
        try
        {
            using var r = await _http.GetAsync($"http://{kubelet.ProbeHost}:{port}{(string)get["path"]!}");
            return (r.StatusCode, await r.Content.ReadAsStringAsync());
        }
        catch (HttpRequestException e) { return (0, e.Message); }
    }

    private async Task<(HttpStatusCode Status, string Body)> ProbeUntilAsync(TestKubelet kubelet, string probe, Func<HttpStatusCode, string, bool> done)
    {
        var last = ((HttpStatusCode)0, "");
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until && !kubelet.HasExited; await Task.Delay(200))
            if ((last = await ProbeAsync(kubelet, probe)) is var (status, body) && done(status, body))
                return last;
        throw new InvalidOperationException($"{probe} never satisfied the test; last answer {(int)last.Item1} {last.Item2}\nproxy output:\n{kubelet.Output}");
    }

    /// <summary>The silo's row (GET /api/v1/proxies, what `mesh check` reads) for the pod's proxy once it reports a certificate.</summary>
    private async Task<JsonNode> CertifiedRowAsync(string ns, string workload, TestKubelet kubelet)
    {
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until; await Task.Delay(200))
        {
            var rows = JsonNode.Parse(await _http.GetStringAsync(new Uri(cluster.Silo.AdminUri, "api/v1/proxies")))!.AsArray();
            if (rows.FirstOrDefault(r => (string?)r!["namespace"] == ns && (string?)r["workload"] == workload && (long?)r["certRemainingSeconds"] > 0) is { } row)
                return row;
        }
        throw new InvalidOperationException($"the silo lists no certified proxy {ns}/{workload}; proxy output:\n{kubelet.Output}");
    }

    [Fact]
    public async Task Run_InjectedProxyContainer_ReadyThroughItsProbesAndCertifiedForThePodsServiceAccount()
    {
        var pod = await CreateInjectedPodAsync("kubelet-ok", "books-7d9f-abcde", "books");

        var kubelet = await RunProxyAsync(pod, (ns, sa, audience) => cluster.Api.Tokens.MintServiceAccount(ns, sa, [audience]));

        var startup = await ProbeUntilAsync(kubelet, "startupProbe", (status, _) => status == HttpStatusCode.OK);
        Assert.Equal("ready\n", startup.Body);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(kubelet, "readinessProbe")).Status);
        Assert.Equal(HttpStatusCode.OK, (await ProbeAsync(kubelet, "livenessProbe")).Status);
        var row = await CertifiedRowAsync("kubelet-ok", "books-7d9f-abcde", kubelet);
        Assert.Equal("spiffe://cluster.local/ns/kubelet-ok/sa/books", (string?)row["identity"]);
        Assert.True((bool)row["discoveryConnected"]!);
        Assert.Empty(row["problems"]!.AsArray());
        Assert.Contains(cluster.Api.Requests, r => r.StartsWith("POST /apis/authentication.k8s.io/v1/tokenreviews", StringComparison.Ordinal));
        // Only the substitution table changed what the Pod spec says.
        Assert.Equal(["sidecar"], kubelet.Args);
        Assert.Equal("books", kubelet.Env["MESH_PROXY_SERVICE_ACCOUNT"]);
        Assert.Equal("books-7d9f-abcde", kubelet.Env["MESH_PROXY_WORKLOAD"]);
        Assert.StartsWith(cluster.Dir, kubelet.Env["MESH_PROXY_TOKEN_FILE"], StringComparison.Ordinal);
    }

    /// <summary>`mesh check --kubernetes` (the CLI binary, against the fake API server and the real silo) judges a running
    /// meshed pod by the silo's record of its proxy: failed while no proxy of the pod has reported, passed once the
    /// proxy the kubelet started from the injected spec is certified for the pod's service account.</summary>
    [Fact]
    public async Task Check_RunningMeshedPod_FailsUntilTheProxyFromItsSpecIsCertified()
    {
        const string Ns = "kubelet-check", Name = "books-7d9f-check";
        var pod = await CreateInjectedPodAsync(Ns, Name, "books");
        await SetPodStatusAsync(pod, "127.0.0.1", ready: false); // the substitution table's pod IP
        var line = $"proxy of pod {Ns}/{Name} is certified";

        var before = await CheckAsync();
        var failed = before.Where(c => c.Name == line).ToList();
        Assert.True(failed.Count == 1, $"not one '{line}' check in: {string.Join(", ", before.Select(c => c.Name))}");
        Assert.Equal(("fail", "no proxy of this pod has reported to the silo"), (failed[0].Status, failed[0].Detail));

        var kubelet = await RunProxyAsync(pod, (ns, sa, audience) => cluster.Api.Tokens.MintServiceAccount(ns, sa, [audience]));
        await CertifiedRowAsync(Ns, Name, kubelet);
        var after = await CheckAsync();
        Assert.Contains(after, c => c.Name == "pods that should be meshed have the proxy"); // the cluster's checks ran, the pods were listed
        Assert.DoesNotContain(after, c => c.Name == line);
    }

    /// <summary>`mesh check --kubernetes -o json` as a user runs it beside this cluster: each check's name, status, detail.</summary>
    private async Task<List<(string Name, string Status, string? Detail)>> CheckAsync()
    {
        var kubeconfig = cluster.Api.WriteKubeconfig(Path.Combine(cluster.Dir, "user-kubeconfig"));
        var psi = new System.Diagnostics.ProcessStartInfo(Built("MESH_CLI_BIN", "cli", "mesh"), ["check", "--kubernetes", "--kubeconfig", kubeconfig, "-o", "json"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var inherited in psi.Environment.Keys.Where(k => k.StartsWith("MESH_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(inherited);
        psi.Environment["MESH_ADMIN_ADDR"] = cluster.Silo.AdminUri.ToString();
        psi.Environment["MESH_DATA_DIR"] = cluster.Silo.Settings.DataDir;
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Deadline);
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(entireProcessTree: true); throw new TimeoutException($"mesh check did not exit; stderr:\n{await stderr}"); }
        var checks = JsonNode.Parse(await stdout)?["checks"]?.AsArray() ?? throw new InvalidOperationException($"mesh check printed no checks; stderr:\n{await stderr}");
        return [.. checks.Select(c => ((string)c!["name"]!, (string)c["status"]!, (string?)c["detail"]))];
    }

    /// <summary>The whole pod in its own network namespace, in the kubelet's order: `mesh-init` (as root, the stored
    /// args) must exit 0 having written the redirect with the proxy container's uid exempt; `mesh-proxy` (as that uid)
    /// must come up ready through its probes on the pod IP and certified; the app stand-in (another uid) is then
    /// reached only through the proxy's inbound, and its own calls out leave only through the proxy's outbound, while
    /// the proxy's own connection to the control plane is the one the owner rule lets pass.</summary>
    [PodNetworkFact]
    public async Task Run_InitProxyAndApp_InThePodsNetworkNamespace_RedirectsAllButTheProxysUid()
    {
        const int AppUid = 65534;
        var pod = await CreateInjectedPodAsync("kubelet-netns", "books-7d9f-netns", "books");
        Func<string, string, string, string> token = (ns, sa, audience) => cluster.Api.Tokens.MintServiceAccount(ns, sa, [audience]);
        var web = Directory.CreateTempSubdirectory("mesh-books-app");
        PodNetwork? network = null;
        try
        {
            network = await PodNetwork.CreateAsync(cluster.Silo.ControlUri);
            // The sandbox exists, so the pod has its IP: the sync makes it a Workload whose declared ports (the app
            // container's 8080) are the only ones the proxy's inbound forwards to.
            await SetPodStatusAsync(pod, network.Sandbox.PodIp, ready: false);
            var init = await RunContainerAsync(pod, KubernetesObjects.InitContainer, token, network);
            Assert.True(await init.WaitForExitAsync(Deadline) == 0, init.Output);
            var proxyUid = (int)pod["spec"]!["initContainers"]!.AsArray().Single(c => (string?)c!["name"] == KubernetesObjects.ProxyContainer)!["securityContext"]!["runAsUser"]!;
            var rules = (await network.ExecAsync(0, "iptables", "-t", "nat", "-S")).Output.Split('\n');
            Assert.Contains($"-A MESH_PROXY_OUTPUT -m owner --uid-owner {proxyUid} -j RETURN", rules);
            Assert.Contains("-A MESH_PROXY_OUTPUT -p tcp -j REDIRECT --to-ports 4140", rules);
            Assert.Contains("-A MESH_PROXY_INBOUND -p tcp -j REDIRECT --to-ports 4143", rules);
            Assert.Contains("-A MESH_PROXY_INBOUND -p tcp -m tcp --dport 4191 -j RETURN", rules); // the kubelet's probes reach the admin port

            var proxy = await RunContainerAsync(pod, KubernetesObjects.ProxyContainer, token, network);
            var startup = await ProbeUntilAsync(proxy, "startupProbe", (status, _) => status == HttpStatusCode.OK);
            Assert.Equal("ready\n", startup.Body);
            await SetPodStatusAsync(pod, network.Sandbox.PodIp, ready: true);
            var row = await CertifiedRowAsync("kubelet-netns", "books-7d9f-netns", proxy);
            Assert.Equal("spiffe://cluster.local/ns/kubelet-netns/sa/books", (string?)row["identity"]);
            Assert.Equal(network.Sandbox.PodIp, proxy.Env["POD_IP"]);
            var exempt = Counter(await OutputChainAsync(network), $"owner UID match {proxyUid}");
            Assert.True(exempt > 0, "the proxy's connection to the control plane did not pass the owner rule");
            Assert.Equal(0, Counter(await OutputChainAsync(network), "redir ports 4140"));

            // The app container's stand-in: a real HTTP server on the container's port, as another uid.
            await File.WriteAllTextAsync(Path.Combine(web.FullName, "index.html"), "books app");
            web.UnixFileMode |= UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            var app = new System.Diagnostics.Process { StartInfo = new("ip", ["netns", "exec", network.Sandbox.Netns, "setpriv", $"--reuid={AppUid}", $"--regid={AppUid}",
                "--clear-groups", "/usr/bin/python3", "-m", "http.server", "8080", "--bind", "0.0.0.0", "--directory", web.FullName]) { RedirectStandardOutput = true, RedirectStandardError = true } };
            app.Start();
            try
            {
                // From outside the pod (the host, no sidecar) to podIP:8080: PREROUTING sends it to the proxy's inbound.
                var inbound = "";
                for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until && !inbound.Contains("books app", StringComparison.Ordinal); await Task.Delay(200))
                    inbound = (await PodNetwork.Exec("curl", "-s", "--max-time", "5", $"http://{network.Sandbox.PodIp}:8080/")).Output;
                Assert.Contains("books app", inbound);
                // From the app out: OUTPUT sends it to the proxy's outbound, which dials the original destination.
                var (code, outbound) = await network.ExecAsync(AppUid, "curl", "-s", "--max-time", "10", $"http://{network.Outside}/");
                Assert.True(code == 0, $"{outbound}\nproxy:\n{proxy.Output}");
                Assert.Equal(PodNetwork.OutsideAnswer, outbound);
                Assert.True(Counter(await OutputChainAsync(network), "redir ports 4140") >= 1, "the app's call was not redirected");

                var metrics = await _http.GetStringAsync($"http://{network.Sandbox.PodIp}:4191/metrics");
                Assert.Matches($@"request_total\{{authority=""{System.Text.RegularExpressions.Regex.Escape(network.Outside.ToString())}"",direction=""outbound""", metrics);
                Assert.Matches(@"request_total\{[^}]*direction=""inbound""", metrics);
            }
            finally
            {
                app.Kill(entireProcessTree: true);
                await app.WaitForExitAsync();
                app.Dispose();
            }
        }
        finally
        {
            foreach (var k in _kubelets) k.Dispose();
            _kubelets.Clear();
            if (network is not null) await network.DisposeAsync();
            web.Delete(recursive: true);
        }
    }

    /// <summary>The kubelet's status write for a running pod: its sandbox's IP and the Ready condition.</summary>
    private async Task SetPodStatusAsync(JsonObject pod, string podIp, bool ready)
    {
        var patch = new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["phase"] = "Running", ["podIP"] = podIp, ["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp }),
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = ready ? "True" : "False" }),
            },
        };
        var patched = await cluster.Api.Resources.PatchAsync(cluster.Api.Kind("v1", "pods"), (string)pod["metadata"]!["namespace"]!,
            (string)pod["metadata"]!["name"]!, "application/merge-patch+json", patch, status: true);
        Assert.True(patched.Ok, patched.Error?.Message);
    }

    /// <summary>Two Deployments' pods in one annotated namespace, each in its own network namespace, linked pod to pod:
    /// the client app's plain HTTP call to the server Service's ClusterIP is redirected to its sidecar, which resolves
    /// the ClusterIP through the silo (the Service, its EndpointSlice and the Pods synced from the fake API server) and
    /// carries it over mesh mTLS to the server's sidecar, which hands it to the server app. Each sidecar's metrics name
    /// the other's service-account identity, which only a certificate issued after TokenReview can have proved.</summary>
    [PodNetworkFact]
    public async Task Run_TwoInjectedPods_ClientCallToTheServiceCrossesMeshTlsBetweenTheirSidecars()
    {
        const string Ns = "kubelet-two";
        const int AppUid = 65534;
        var server = await CreateInjectedPodAsync(Ns, "books-7d9f-srv01", "books", app: "books");
        var client = await CreateInjectedPodAsync(Ns, "shelf-5c8b-cli01", "shelf", app: "shelf");
        Func<string, string, string, string> token = (ns, sa, audience) => cluster.Api.Tokens.MintServiceAccount(ns, sa, [audience]);
        var web = Directory.CreateTempSubdirectory("mesh-books-app");
        PodNetwork? serverNet = null, clientNet = null;
        System.Diagnostics.Process? app = null;
        try
        {
            serverNet = await PodNetwork.CreateAsync(cluster.Silo.ControlUri);
            clientNet = await PodNetwork.CreateAsync(cluster.Silo.ControlUri);
            await clientNet.LinkAsync(serverNet);
            var service = await cluster.Api.Resources.CreateAsync(cluster.Api.Kind("v1", "services"), Ns, JsonNode.Parse($$$"""
                {"metadata":{"name":"books","namespace":"{{{Ns}}}"},
                 "spec":{"selector":{"app":"books"},"ports":[{"name":"http","port":8080,"targetPort":8080}]}}
                """));
            Assert.True(service.Ok, service.Error?.Message);
            var clusterIp = (string)service.Value!["spec"]!["clusterIP"]!;
            var slice = await cluster.Api.Resources.CreateAsync(cluster.Api.Kind("discovery.k8s.io/v1", "endpointslices"), Ns, JsonNode.Parse($$$"""
                {"metadata":{"name":"books-x7k2p","namespace":"{{{Ns}}}","labels":{"kubernetes.io/service-name":"books"}},
                 "addressType":"IPv4",
                 "endpoints":[{"addresses":["{{{serverNet.Sandbox.PodIp}}}"],"conditions":{"ready":true,"serving":true,"terminating":false},
                               "targetRef":{"kind":"Pod","namespace":"{{{Ns}}}","name":"books-7d9f-srv01"}}],
                 "ports":[{"name":"http","port":8080,"protocol":"TCP"}]}
                """));
            Assert.True(slice.Ok, slice.Error?.Message);

            var serverProxy = await StartPodAsync(server, serverNet, token);
            var clientProxy = await StartPodAsync(client, clientNet, token);

            await File.WriteAllTextAsync(Path.Combine(web.FullName, "index.html"), "books app");
            web.UnixFileMode |= UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
            app = new System.Diagnostics.Process { StartInfo = new("ip", ["netns", "exec", serverNet.Sandbox.Netns, "setpriv", $"--reuid={AppUid}", $"--regid={AppUid}",
                "--clear-groups", "/usr/bin/python3", "-m", "http.server", "8080", "--bind", "0.0.0.0", "--directory", web.FullName]) { RedirectStandardOutput = true, RedirectStandardError = true } };
            app.Start();

            // The client app: plain HTTP to the Service's ClusterIP, as a pod's app calls a Service.
            var (code, answer) = (0, "");
            for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until && !answer.Contains("books app", StringComparison.Ordinal); await Task.Delay(200))
                (code, answer) = await clientNet.ExecAsync(AppUid, "curl", "-s", "--max-time", "5", $"http://{clusterIp}:8080/");
            Assert.True(answer.Contains("books app", StringComparison.Ordinal), $"curl {code}: {answer}\nclient proxy:\n{clientProxy.Output}\nserver proxy:\n{serverProxy.Output}");
            Assert.True(Counter(await OutputChainAsync(clientNet), "redir ports 4140") >= 1, "the client's call was not redirected to its sidecar");

            Assert.True(Counter(await InboundChainAsync(serverNet), "redir ports 4143") >= 1, "the client sidecar's connection did not come in through the server pod's redirect");

            // Each side's proof of the other: the identity its mTLS handshake verified, as the metrics label it.
            await ResponseSeriesAsync(clientNet, "outbound", $"server_id=\"books.{Ns}.serviceaccount.identity.mesh.cluster.local\"");
            await ResponseSeriesAsync(serverNet, "inbound", $"client_id=\"shelf.{Ns}.serviceaccount.identity.mesh.cluster.local\"");
        }
        finally
        {
            if (app is not null)
            {
                try { app.Kill(entireProcessTree: true); await app.WaitForExitAsync(); } catch (InvalidOperationException) { }
                app.Dispose();
            }
            foreach (var k in _kubelets) k.Dispose();
            _kubelets.Clear();
            if (clientNet is not null) await clientNet.DisposeAsync();
            if (serverNet is not null) await serverNet.DisposeAsync();
            web.Delete(recursive: true);
        }
    }

    /// <summary>The kubelet's sequence for one pod: IP in status, `mesh-init` to exit 0, the proxy up through its startup
    /// probe and certified, then Ready.</summary>
    private async Task<TestKubelet> StartPodAsync(JsonObject pod, PodNetwork network, Func<string, string, string, string> token)
    {
        await SetPodStatusAsync(pod, network.Sandbox.PodIp, ready: false);
        var init = await RunContainerAsync(pod, KubernetesObjects.InitContainer, token, network);
        Assert.True(await init.WaitForExitAsync(Deadline) == 0, init.Output);
        var proxy = await RunContainerAsync(pod, KubernetesObjects.ProxyContainer, token, network);
        await ProbeUntilAsync(proxy, "startupProbe", (status, _) => status == HttpStatusCode.OK);
        await CertifiedRowAsync((string)pod["metadata"]!["namespace"]!, (string)pod["metadata"]!["name"]!, proxy);
        await SetPodStatusAsync(pod, network.Sandbox.PodIp, ready: true);
        return proxy;
    }

    /// <summary>Waits for the pod's proxy to list a response_total series of <paramref name="direction"/> over mesh TLS
    /// whose peer label is <paramref name="peer"/> (the series that carry linkerd2-proxy's tls and client_id/server_id):
    /// a proxy records a response as it finishes it, which may be just after the caller has read it.</summary>
    private async Task ResponseSeriesAsync(PodNetwork network, string direction, string peer)
    {
        var series = new List<string>();
        for (var until = DateTime.UtcNow + Deadline; DateTime.UtcNow < until; await Task.Delay(200))
        {
            series = [.. (await _http.GetStringAsync($"http://{network.Sandbox.PodIp}:4191/metrics")).Split('\n')
                .Where(l => l.StartsWith("response_total{", StringComparison.Ordinal) && l.Contains($"direction=\"{direction}\"", StringComparison.Ordinal))];
            if (series.Any(l => l.Contains("tls=\"true\"", StringComparison.Ordinal) && l.Contains(peer, StringComparison.Ordinal))) return;
        }
        Assert.Fail($"no {direction} response_total with tls=\"true\" and {peer}; the {direction} series:\n{string.Join('\n', series)}");
    }

    private static async Task<string[]> InboundChainAsync(PodNetwork network) =>
        (await network.ExecAsync(0, "iptables", "-t", "nat", "-L", "MESH_PROXY_INBOUND", "-n", "-v", "-x")).Output.Split('\n');

    private static async Task<string[]> OutputChainAsync(PodNetwork network) =>
        (await network.ExecAsync(0, "iptables", "-t", "nat", "-L", "MESH_PROXY_OUTPUT", "-n", "-v", "-x")).Output.Split('\n');

    /// <summary>The packet counter of the one rule whose listing contains <paramref name="match"/> (the nat table counts a connection's first packet).</summary>
    private static long Counter(string[] chain, string match) =>
        long.Parse(chain.Single(l => l.Contains(match, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("kubelet-aud", "default audience", "want identity.mesh.io")]
    [InlineData("kubelet-sa", "another service account", "PermissionDenied")]
    public async Task Run_ProxyGivenTheWrongToken_StaysUnreadyAndSaysWhy(string ns, string wrong, string why)
    {
        var pod = await CreateInjectedPodAsync(ns, "books-7d9f-fghij", "books");

        var kubelet = await RunProxyAsync(pod, (n, sa, audience) => wrong == "default audience"
            ? cluster.Api.Tokens.MintServiceAccount(n, sa) // the pod's API-server token, not the projected one
            : cluster.Api.Tokens.MintServiceAccount(n, "admin", [audience]));

        var refused = await ProbeUntilAsync(kubelet, "readinessProbe", (_, body) => body.Contains(why, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Contains($"identity: Certify for spiffe://cluster.local/ns/{ns}/sa/books failed", refused.Body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ProbeAsync(kubelet, "startupProbe")).Status);
        Assert.False(kubelet.HasExited, kubelet.Output);
    }

    public void Dispose()
    {
        foreach (var k in _kubelets) k.Dispose();
        _http.Dispose();
    }
}
