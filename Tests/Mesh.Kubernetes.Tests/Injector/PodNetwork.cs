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
/// the namespace (and with it the veth pair and every iptables rule inside it).</summary>
internal sealed class PodNetwork : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpListener> _listeners = [];
    private readonly List<Task> _loops = [];

    public const string OutsideAnswer = "hello from outside the pod";
    public PodSandbox Sandbox { get; }
    public string HostIp { get; }
    public Uri ControlRelay { get; private set; } = null!;
    public IPEndPoint Outside { get; private set; } = null!;

    private PodNetwork(string netns, string hostIp, string podIp)
    {
        Sandbox = new PodSandbox(netns, podIp);
        HostIp = hostIp;
    }

    public static async Task<PodNetwork> CreateAsync(Uri control)
    {
        var suffix = Random.Shared.Next(10000, 99999).ToString(CultureInfo.InvariantCulture);
        var subnet = Random.Shared.Next(10, 250).ToString(CultureInfo.InvariantCulture);
        var network = new PodNetwork("mpod" + suffix, $"10.79.{subnet}.1", $"10.79.{subnet}.2");
        try
        {
            var ns = network.Sandbox.Netns;
            var hostVeth = "vp" + suffix;
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
        // Deleting the namespace destroys its end of the veth pair, which takes the host end with it.
        await Exec("ip", "netns", "del", Sandbox.Netns);
        _stop.Dispose();
    }
}
