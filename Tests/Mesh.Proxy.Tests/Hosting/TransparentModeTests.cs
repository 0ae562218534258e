using System.Text.RegularExpressions;
using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.Hosting;

/// <summary>Two network namespaces on a bridge, iptables from `mesh-proxy init`: an unmodified client calling the
/// server's IP goes client → outbound sidecar → inbound sidecar → app without knowing it.</summary>
[Trait("Category", "E2E")]
public sealed class TransparentModeTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _suffix = Random.Shared.Next(10000, 99999).ToString(System.Globalization.CultureInfo.InvariantCulture);
    private readonly int _subnet = Random.Shared.Next(10, 250);
    private readonly List<ChildProcess> _processes = [];
    private string? _skip;
    private FakeDiscoveryServer? _discovery;
    private string? _webRoot;
    private readonly string _anchors = Path.Combine(Path.GetTempPath(), $"mesh-anchors-{Guid.NewGuid():N}.pem");

    private string Bridge => "mbr" + _suffix;
    private string ClientNs => "mc" + _suffix;
    private string ServerNs => "ms" + _suffix;
    private string Net(int host) => $"10.77.{_subnet}.{host}";


    public async Task InitializeAsync()
    {
        if (!OperatingSystem.IsLinux()) { _skip = "not Linux"; return; }
        foreach (var tool in new[] { "/usr/bin/python3", "/usr/bin/curl", "/usr/bin/setpriv" })
            if (!File.Exists(tool)) { _skip = $"{tool} is not installed (scripts/setup.sh installs it)"; return; }
        (int Code, string Output) probe;
        try { probe = await ChildProcess.RunAsync("ip", "netns", "add", ClientNs); }
        catch (System.ComponentModel.Win32Exception e) { _skip = $"cannot run ip: {e.Message}"; return; }
        if (probe.Code != 0) { _skip = $"the kernel refuses network namespaces here: {probe.Output.Trim()}"; return; }
        var iptables = await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, "iptables", "-t", "nat", "-L", "-n");
        if (iptables.Code != 0) { _skip = $"iptables does not work in a namespace here: {iptables.Output.Trim()}"; return; }
        await Sh("ip", "netns", "add", ServerNs);
        await Sh("ip", "link", "add", Bridge, "type", "bridge");
        await Sh("ip", "addr", "add", Net(254) + "/24", "dev", Bridge);
        await Sh("ip", "link", "set", Bridge, "up");
        foreach (var (ns, host) in new[] { (ClientNs, 1), (ServerNs, 2) })
        {
            var veth = $"v{ns}";
            await Sh("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns);
            await Sh("ip", "link", "set", veth, "master", Bridge);
            await Sh("ip", "link", "set", veth, "up");
            await Sh("ip", "netns", "exec", ns, "ip", "addr", "add", Net(host) + "/24", "dev", "eth0");
            await Sh("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
            await Sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
        }
        _discovery = await FakeDiscoveryServer.StartAsync(IPAddress.Parse(Net(254)));
        // Real mesh TLS between the namespaces: certificates from the fake silo's Certify, anchors in a file both read.
        var ca = Mesh.Identity.Ca.CertificateAuthority.Create();
        ca.TrustBundle.Save(_anchors);
        _discovery.Ca = ca;
    }

    private async Task Sh(params string[] args)
    {
        var (code, text) = await ChildProcess.RunAsync(args[0], args[1..]);
        if (code != 0) throw new InvalidOperationException($"{string.Join(' ', args)} failed: {text}");
    }

    public async Task DisposeAsync()
    {
        foreach (var p in _processes) p.Dispose();
        if (_discovery is not null) await _discovery.DisposeAsync();
        await ChildProcess.RunAsync("ip", "netns", "del", ClientNs);
        await ChildProcess.RunAsync("ip", "netns", "del", ServerNs);
        await ChildProcess.RunAsync("ip", "link", "del", Bridge);
        foreach (var ns in new[] { ClientNs, ServerNs }) await ChildProcess.RunAsync("ip", "link", "del", $"v{ns}");
        if (_webRoot is not null) Directory.Delete(_webRoot, recursive: true);
        File.Delete(_anchors);
    }

    private ChildProcess Start(string ns, params string[] args)
    {
        var p = new ChildProcess("ip", ["netns", "exec", ns, .. args]);
        _processes.Add(p);
        return p;
    }

    private ChildProcess StartProxy(string ns, string workload)
    {
        var env = new[] { "env", "MESH_PROXY_LOG_LEVEL=warning" };
        return Start(ns, [.. env, ChildProcess.ProxyBin, "sidecar", "--workload", workload, "--inbound-addr", "0.0.0.0:4143", "--outbound-addr", "127.0.0.1:4140",
            "--admin-addr", "127.0.0.1:4191", "--control-addr", _discovery!.Address.ToString(), "--transparent", "--opaque-ports", "7000", "--detect-timeout", "2s",
            "--trust-anchors", _anchors, "--token", _discovery.Token]);
    }

    [Fact]
    public async Task UnmodifiedClient_CallingServerIp_IsMeshed_AndInitIsIdempotentAndRemovable()
    {
        if (_skip is not null)
        {
            output.WriteLine($"skipped: {_skip}");
            Console.WriteLine($"TransparentModeTests skipped: {_skip}");
            return;
        }
        _webRoot = Directory.CreateTempSubdirectory("mesh-web").FullName;
        await File.WriteAllTextAsync(Path.Combine(_webRoot, "hello.txt"), "hello from the server namespace");
        var app = Start(ServerNs, "/usr/bin/python3", "-m", "http.server", "8080", "--bind", "0.0.0.0", "--directory", _webRoot);
        const string echo = "import socket,sys\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',int(sys.argv[1])));s.listen()\n" +
            "while True:\n c,_=s.accept()\n d=c.recv(100)\n c.sendall(b'echo:'+d)\n c.close()";
        var echoApp = Start(ServerNs, "/usr/bin/python3", "-c", echo, "7000");
        var profileOpaqueApp = Start(ServerNs, "/usr/bin/python3", "-c", echo, "7200");
        var tlsLikeApp = Start(ServerNs, "/usr/bin/python3", "-c", echo, "7500");
        var serverOpaqueApp = Start(ServerNs, "/usr/bin/python3", "-c", echo, "7600");
        // A server-speaks-first protocol (SMTP, MySQL): the client waits for the banner before it sends anything.
        const string banner = "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',7100));s.listen()\n" +
            "while True:\n c,_=s.accept()\n c.sendall(b'220 hello\\n')\n d=c.recv(100)\n c.sendall(b'got:'+d)\n c.close()";
        var bannerApp = Start(ServerNs, "/usr/bin/python3", "-c", banner);

        var serverIdentity = "spiffe://cluster.local/ns/default/sa/books";
        var policy = new InboundPolicy { Exists = true, Identity = serverIdentity };
        policy.Ports["http"] = 8080;
        // The inbound forwards only to declared ports: every app port of the server namespace is one.
        foreach (var (name, port) in new[] { ("echo", 7000u), ("banner", 7100u), ("opaque", 7200u), ("tls", 7500u), ("raw", 7600u) }) policy.Ports[name] = port;
        // Port 7600 is opaque by its Server (proxyProtocol: opaque), open to anyone.
        var raw = new InboundServer { Name = "default/raw", Port = 7600, ProxyProtocol = "opaque" };
        raw.Authorizations.Add(new Mesh.Api.V1.Authorization { Name = "default/anyone" });
        policy.Servers.Add(raw);
        _discovery!.SetInbound("books", policy);
        _discovery.SetInbound("client", new InboundPolicy { Exists = true });
        _discovery.SetService($"{Net(2)}:8080", [new Endpoint
        {
            Key = $"{Net(2)}:8080", Address = Net(2), Port = 8080, Weight = 1, Identity = serverIdentity, ProxyPort = 4143,
            ProtocolHint = ProtocolHint.H2, Workload = "books", Ready = true,
        }]);

        _discovery.SetService($"{Net(2)}:7000", [new Endpoint
        {
            Key = $"{Net(2)}:7000", Address = Net(2), Port = 7000, Weight = 1, Identity = serverIdentity, ProxyPort = 4143,
            ProtocolHint = ProtocolHint.Opaque, Workload = "books", Ready = true,
        }]);

        Endpoint Meshed(int port) => new()
        {
            Key = $"{Net(2)}:{port}", Address = Net(2), Port = (uint)port, Weight = 1, Identity = serverIdentity, ProxyPort = 4143,
            ProtocolHint = ProtocolHint.Opaque, Workload = "books", Ready = true,
        };
        _discovery.SetService($"{Net(2)}:7100", [Meshed(7100)]);
        // Opaque by the Service (appProtocol tcp → profile.opaque), not by the proxy's --opaque-ports.
        _discovery.SetService($"{Net(2)}:7200", [Meshed(7200)], new ServiceProfile { Opaque = true });

        // The proxies run as root (uid 0); the client runs as nobody so only its traffic is redirected.
        foreach (var ns in new[] { ClientNs, ServerNs })
        {
            for (var i = 0; i < 2; i++) // twice: init must be idempotent
            {
                var (code, text) = await ChildProcess.RunAsync("ip", "netns", "exec", ns, ChildProcess.ProxyBin, "init", "--proxy-uid", "0");
                Assert.True(code == 0, text);
            }
            var (_, rules) = await ChildProcess.RunAsync("ip", "netns", "exec", ns, "iptables", "-t", "nat", "-S");
            Assert.Equal(1, rules.Split('\n').Count(l => l.Contains("-A OUTPUT -p tcp -j MESH_PROXY_OUTPUT", StringComparison.Ordinal)));
            Assert.Equal(1, rules.Split('\n').Count(l => l.Contains("-A PREROUTING -p tcp -j MESH_PROXY_INBOUND", StringComparison.Ordinal)));
        }
        var serverProxy = StartProxy(ServerNs, "books");
        var clientProxy = StartProxy(ClientNs, "client");
        await serverProxy.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));
        await clientProxy.WaitForLineAsync("mesh-proxy: ready", TimeSpan.FromSeconds(30));
        await Poll.UntilAsync(async () => (await ChildProcess.RunAsync("ip", "netns", "exec", ServerNs, "curl", "-s", "-o", "/dev/null", "http://127.0.0.1:8080/hello.txt")).Code == 0,
            TimeSpan.FromSeconds(15), "the app in the server namespace");

        // An unmodified app: a Python TCP client (argv[1] = the server's address) in the client namespace as nobody, so
        // iptables sends it through its sidecar, or on the host, outside both namespaces (no sidecar). Trimmed output.
        async Task<string> PythonClientAsync(string what, string script, bool fromClientNamespace = true)
        {
            var (code, text) = fromClientNamespace
                ? await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    "/usr/bin/python3", "-c", script, Net(2))
                : await ChildProcess.RunAsync("/usr/bin/python3", "-c", script, Net(2));
            Assert.True(code == 0, $"{what} failed: {text}\nclient proxy: {clientProxy.Output}\nserver proxy: {serverProxy.Output}");
            return text.Trim();
        }

        var (curlCode, body) = await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
            "curl", "-s", "--max-time", "10", $"http://{Net(2)}:8080/hello.txt");
        Assert.True(curlCode == 0, $"curl failed ({curlCode}): {body}\nclient proxy: {clientProxy.Output}\nserver proxy: {serverProxy.Output}");
        Assert.Equal("hello from the server namespace", body);

        var (_, clientMetrics) = await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, "curl", "-s", "http://127.0.0.1:4191/metrics");
        var (_, serverMetrics) = await ChildProcess.RunAsync("ip", "netns", "exec", ServerNs, "curl", "-s", "http://127.0.0.1:4191/metrics");
        Assert.Matches($@"request_total\{{authority=""{Regex.Escape(Net(2))}:8080"",direction=""outbound""[^}}]*\}} 1\n", clientMetrics);
        Assert.Contains($"dst_identity=\"{serverIdentity}\"", clientMetrics);
        Assert.Matches(@"request_total\{authority=""books.default"",client_id=""[^""]+\.serviceaccount\.identity\.mesh\.cluster\.local"",direction=""inbound"",tls=""true""\} 1\n", serverMetrics);

        // Opaque TCP: port 7000 is opaque on the client side; the bytes travel with the transport header to the server's proxy.
        const string tcpClient = "import socket,sys\nc=socket.create_connection((sys.argv[1],7000),timeout=10);c.sendall(b'raw-bytes');print(c.recv(100).decode())";
        Assert.Equal("echo:raw-bytes", await PythonClientAsync("opaque client", tcpClient));
        var lastMetrics = "";
        try
        {
            await Poll.UntilAsync(async () => (lastMetrics = (await ChildProcess.RunAsync("ip", "netns", "exec", ServerNs, "curl", "-s", "http://127.0.0.1:4191/metrics")).Output)
                .Contains("tcp_read_bytes_total{direction=\"inbound\"} 9"), TimeSpan.FromSeconds(5), "the server proxy to count the opaque bytes");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + "\n" + string.Join('\n', lastMetrics.Split('\n').Where(l => l.StartsWith("tcp_", StringComparison.Ordinal))));
        }

        // Server speaks first: both proxies wait out the detection timeout, then carry the connection as opaque TCP.
        const string bannerClient = "import socket,sys\nc=socket.create_connection((sys.argv[1],7100),timeout=10);b=c.recv(100).decode();c.sendall(b'ehlo');print(b.strip()+'|'+c.recv(100).decode())";
        Assert.Equal("220 hello|got:ehlo", await PythonClientAsync("server-speaks-first client", bannerClient));

        // The same from an unmeshed client (the host, outside both namespaces): the server's sidecar waits out the
        // detection timeout in its TLS stage, then hands the connection to the app as opaque TCP.
        Assert.Equal("220 hello|got:ehlo", await PythonClientAsync("unmeshed server-speaks-first client", bannerClient, fromClientNamespace: false));

        // Not HTTP (a TLS ClientHello to a destination outside the mesh, e.g. HTTPS egress): passed through as opaque TCP
        // on both sides — the server's sidecar must not take the app's TLS for mesh TLS on a redirected connection.
        const string tlsLike = "import socket,sys\nc=socket.create_connection((sys.argv[1],7500),timeout=10);c.sendall(b'\\x16\\x03\\x01tls-like');d=c.recv(100);print(d[:5].decode()+d[8:].decode())";
        Assert.Equal("echo:tls-like", await PythonClientAsync("non-HTTP client", tlsLike));

        // Opaque by the server's own policy (Server proxyProtocol: opaque): HTTP-looking bytes from an unmeshed client
        // reach the app as they are.
        const string rawHttp = "import socket,sys\nc=socket.create_connection((sys.argv[1],7600),timeout=10);c.sendall(b'GET /y HTTP/1.1\\r\\n\\r\\n');print(c.recv(200).decode().splitlines()[0])";
        Assert.Equal("echo:GET /y HTTP/1.1", await PythonClientAsync("server-opaque client", rawHttp, fromClientNamespace: false));

        // Opaque by profile: bytes that look like HTTP are not parsed as HTTP (they would fail routing) but piped as they are.
        const string httpLike = "import socket,sys\nc=socket.create_connection((sys.argv[1],7200),timeout=10);c.sendall(b'GET /x HTTP/1.1\\r\\nHost: nowhere\\r\\n\\r\\n');print(c.recv(200).decode().splitlines()[0])";
        Assert.Equal("echo:GET /x HTTP/1.1", await PythonClientAsync("profile-opaque client", httpLike));

        var (_, opaqueMetrics) = await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, "curl", "-s", "http://127.0.0.1:4191/metrics");
        Assert.Contains("tcp_opaque_connections_total{direction=\"outbound\",reason=\"detect-timeout\"} 1", opaqueMetrics);
        Assert.Contains("tcp_opaque_connections_total{direction=\"outbound\",reason=\"opaque-port\"} 2", opaqueMetrics);
        Assert.Contains("tcp_opaque_connections_total{direction=\"outbound\",reason=\"not-http\"} 1", opaqueMetrics);

        var (removeCode, removeText) = await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, ChildProcess.ProxyBin, "init", "--remove");
        Assert.True(removeCode == 0, removeText);
        var (_, after) = await ChildProcess.RunAsync("ip", "netns", "exec", ClientNs, "iptables", "-t", "nat", "-S");
        Assert.DoesNotContain("MESH_PROXY", after);
        GC.KeepAlive(app);
        GC.KeepAlive(echoApp);
        GC.KeepAlive(profileOpaqueApp);
        GC.KeepAlive(bannerApp);
        GC.KeepAlive(tlsLikeApp);
        GC.KeepAlive(serverOpaqueApp);
    }
}
