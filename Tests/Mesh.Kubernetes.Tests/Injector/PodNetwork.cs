using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>One pod's network as a kubelet's CNI plugin leaves it: a network namespace whose eth0 (the pod IP) is one
/// end of a veth pair, the host end holding the gateway address. Two listeners on the host end stand in for what is
/// outside the pod: a relay to the silo's control port (the silo binds loopback, which a pod cannot reach; the relay
/// copies bytes, TLS and gRPC stay end to end) and a plain HTTP server (somewhere the app calls out to). Dispose removes
/// the namespace (and with it the veth pair and every iptables rule inside it).
/// Test processes of several worktrees share the host's network, so names and the /30 are not random: each network
/// holds an exclusive lock on one slot's file (<c>flock</c>, released by the kernel even when the test process dies)
/// and derives its namespace, veth and subnet from the slot. Holding the lock, whatever a dead run left under those
/// names is removed before use.</summary>
internal sealed class PodNetwork : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpListener> _listeners = [];
    private readonly List<Task> _loops = [];
    private readonly FileStream _slot;
    private readonly string _hostVeth;
    private readonly int _index;

    public const string OutsideAnswer = "hello from outside the pod";
    public PodSandbox Sandbox { get; }
    public string HostIp { get; }
    public Uri ControlRelay { get; private set; } = null!;
    public IPEndPoint Outside { get; private set; } = null!;

    private PodNetwork(FileStream slot, int index)
    {
        _slot = slot;
        _index = index;
        var third = (index / 64).ToString(CultureInfo.InvariantCulture);
        var fourth = index % 64 * 4;
        Sandbox = new PodSandbox($"mesh-test-pod{index}", $"10.79.{third}.{fourth + 2}");
        HostIp = $"10.79.{third}.{fourth + 1}";
        _hostVeth = $"mtpod{index}";
    }

    /// <summary>Why this host cannot make pod networks (null: it can): namespaces, veths and iptables need root and `ip`.</summary>
    public static string? Unavailable { get; } =
        !OperatingSystem.IsLinux() ? "pod network namespaces need Linux"
        : Environment.UserName != "root" ? "pod network namespaces need root (ip netns, veth, iptables)"
        : new[] { "ip", "iptables", "setpriv", "curl" }.FirstOrDefault(t => !OnPath(t)) is { } missing ? $"pod network namespaces need `{missing}` on PATH"
        : null;

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    /// <summary>The first free slot (of 1024 /30s in 10.79.0.0/16), locked for this network's lifetime.</summary>
    private static PodNetwork Lease()
    {
        var dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mesh-test-podnet")).FullName;
        for (var index = 0; index < 1024; index++)
        {
            try { return new PodNetwork(new FileStream(Path.Combine(dir, $"{index}.lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None), index); }
            catch (IOException) { } // another live test holds it
        }
        throw new InvalidOperationException($"all 1024 pod network slots under {dir} are held");
    }

    public static async Task<PodNetwork> CreateAsync(Uri control)
    {
        var network = Lease();
        try
        {
            var ns = network.Sandbox.Netns;
            var hostVeth = network._hostVeth;
            // Left by a run that died before its Dispose (we hold the slot, so no live run owns them).
            await Exec("ip", "netns", "del", ns);
            await Exec("ip", "link", "del", hostVeth);
            await Run("ip", "netns", "add", ns);
            await Run("ip", "link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", ns);
            await Run("ip", "addr", "add", network.HostIp + "/30", "dev", hostVeth);
            await Run("ip", "link", "set", hostVeth, "up");
            await Run("ip", "netns", "exec", ns, "ip", "addr", "add", network.Sandbox.PodIp + "/30", "dev", "eth0");
            await Run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
            await Run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
            await Run("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", network.HostIp);
            var relay = network.Listen(client => network.RelayAsync(client, control));
            network.ControlRelay = new UriBuilder(control) { Host = network.HostIp, Port = relay.Port }.Uri;
            network.Outside = network.Listen(network.AnswerAsync);
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>Connects this pod straight to another (a veth pair between the two namespaces, a /32 route each way),
    /// as a CNI's pod-to-pod path would: no forwarding in the host, whose ip_forward is not the test's to change.
    /// Each end holds its pod's IP (/32), as every interface a CNI gives a pod does: the inbound REDIRECT rewrites a
    /// packet's destination to the primary address of the interface it came in on, and the kernel drops a packet
    /// that came in on an interface with none (the SYN is counted by the REDIRECT rule, then never answered).</summary>
    public async Task LinkAsync(PodNetwork other)
    {
        var here = $"to-pod{other._index}";
        var there = $"to-pod{_index}";
        await Run("ip", "link", "add", here, "netns", Sandbox.Netns, "type", "veth", "peer", "name", there, "netns", other.Sandbox.Netns);
        foreach (var (side, dev, peerIp, ownIp) in new[] { (this, here, other.Sandbox.PodIp, Sandbox.PodIp), (other, there, Sandbox.PodIp, other.Sandbox.PodIp) })
        {
            await Run("ip", "netns", "exec", side.Sandbox.Netns, "ip", "addr", "add", ownIp + "/32", "dev", dev);
            await Run("ip", "netns", "exec", side.Sandbox.Netns, "ip", "link", "set", dev, "up");
            await Run("ip", "netns", "exec", side.Sandbox.Netns, "ip", "route", "add", peerIp + "/32", "dev", dev, "src", ownIp);
        }
    }

    /// <summary>Runs a command inside the pod's namespace as <paramref name="uid"/>: (exit code, stdout + stderr).</summary>
    public Task<(int Code, string Output)> ExecAsync(int uid, params string[] command) =>
        Exec("ip", ["netns", "exec", Sandbox.Netns, "setpriv", $"--reuid={uid}", $"--regid={uid}", "--clear-groups", .. command]);

    private IPEndPoint Listen(Func<TcpClient, Task> serve)
    {
        var listener = new TcpListener(IPAddress.Parse(HostIp), 0);
        listener.Start();
        _listeners.Add(listener);
        _loops.Add(Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await listener.AcceptTcpClientAsync(_stop.Token); }
                catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
                _ = Task.Run(async () => { using (client) try { await serve(client); } catch (Exception e) when (e is IOException or SocketException or OperationCanceledException) { } });
            }
        }));
        return (IPEndPoint)listener.LocalEndpoint;
    }

    private async Task RelayAsync(TcpClient client, Uri control)
    {
        using var upstream = new TcpClient();
        await upstream.ConnectAsync(control.Host, control.Port, _stop.Token);
        var a = client.GetStream();
        var b = upstream.GetStream();
        await Task.WhenAny(a.CopyToAsync(b, _stop.Token), b.CopyToAsync(a, _stop.Token));
    }

    private async Task AnswerAsync(TcpClient client)
    {
        var stream = client.GetStream();
        var seen = new StringBuilder();
        var buffer = new byte[1024];
        while (!seen.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, _stop.Token);
            if (n == 0) return;
            seen.Append(Encoding.ASCII.GetString(buffer, 0, n));
        }
        var body = Encoding.ASCII.GetBytes(OutsideAnswer);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n"), _stop.Token);
        await stream.WriteAsync(body, _stop.Token);
    }

    private static async Task Run(string file, params string[] args)
    {
        var (code, output) = await Exec(file, args);
        if (code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {output}");
    }

    public static async Task<(int Code, string Output)> Exec(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not exit"); }
        return (p.ExitCode, await stdout + await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var l in _listeners) l.Stop();
        await Task.WhenAll(_loops);
        // Deleting the namespace destroys its end of the veth pair, which takes the host end with it; the explicit
        // link delete covers a create that failed between adding the pair and moving its peer.
        await Exec("ip", "netns", "del", Sandbox.Netns);
        await Exec("ip", "link", "del", _hostVeth);
        _stop.Dispose();
        await _slot.DisposeAsync();
    }
}
