using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>Two clusters' networks joined only by a router, as two data centres behind a firewall: network namespaces
/// east (10.80.1.2) and west (10.80.2.2), each with a veth to the router namespace (10.80.1.1, 10.80.2.1) as its
/// default route. The router forwards IPv4 (its FORWARD policy is DROP) and, in its own chain, accepts only east → west's
/// gateway port and west's federation port (and west's answers from those ports); anything else east sends west is
/// counted by a last rule and dropped. <see cref="OpenAsync"/> adds rules that forward everything between the two
/// (flat networking: east reaches west's pod addresses), <see cref="PartitionAsync"/> empties the chain,
/// <see cref="HealAsync"/> refills it with the two ports only.
/// Each rule carries a comment, so its packet counter can be read back by name.
/// Names carry the test process's id and a random suffix (several worktrees' tests share the host); the addresses need
/// not, since every address lives inside a namespace of its own. Dispose deletes the three namespaces, which takes the
/// veths and rules with them; a test process killed before it could (SIGKILL, a cancelled run) leaves them, so each
/// new network first deletes those of processes that are gone (<see cref="SweepStaleAsync"/>).</summary>
internal sealed class RoutedClusterNetwork : IAsyncDisposable
{
    public const string EastIp = "10.80.1.2", WestIp = "10.80.2.2";
    public const string ToGateway = "east-to-west-gateway", ToFederation = "east-to-west-federation", Dropped = "east-to-west-other";
    /// <summary>The rule <see cref="OpenAsync"/> adds: east → any port of west.</summary>
    public const string Opened = "east-to-west-open";
    private const string Chain = "MESH-LINK";
    private readonly int _gatewayPort, _federationPort;

    public string East { get; }
    public string West { get; }
    public string Router { get; }

    private RoutedClusterNetwork(int gatewayPort, int federationPort)
    {
        var suffix = $"{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}-{Random.Shared.Next(10000, 99999).ToString(CultureInfo.InvariantCulture)}";
        (East, West, Router) = ($"{Prefix}{suffix}-east", $"{Prefix}{suffix}-west", $"{Prefix}{suffix}-router");
        (_gatewayPort, _federationPort) = (gatewayPort, federationPort);
    }

    /// <summary>Why this host cannot build the network (null: it can): namespaces, veths and iptables need Linux, root
    /// and the tools.</summary>
    public static string? Unavailable { get; } =
        !OperatingSystem.IsLinux() ? "network namespaces need Linux"
        : Environment.UserName != "root" ? "network namespaces need root (ip netns, veth, iptables)"
        : new[] { "ip", "iptables", "curl", "python3" }.FirstOrDefault(t => !OnPath(t)) is { } missing ? $"the network-namespace variant needs `{missing}` on PATH"
        : null;

    private static bool OnPath(string tool) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, tool)));

    /// <summary>Every namespace of this class starts so: mesh-mc-&lt;pid&gt;-&lt;random&gt;-east|west|router.</summary>
    private const string Prefix = "mesh-mc-";
    private static readonly Regex Ours = new(@"^mesh-mc-(\d+)-\d+-(east|west|router)$");
    // The form before the process id was in the name: its owner cannot be told, so only one old and empty is stale.
    private static readonly Regex Legacy = new(@"^mesh-mc\d{5}-(east|west|router)$");

    /// <summary>Deletes the namespaces of test processes that are gone (a hard-killed run cannot dispose), never one
    /// whose process still runs — another worktree's test may be using it right now. Namespaces named before the
    /// process id was in the name go only when no process is inside and they are over ten minutes old.</summary>
    internal static async Task<IReadOnlyList<string>> SweepStaleAsync()
    {
        var listed = await Exec("ip", null, ["netns", "list"]);
        if (listed.Code != 0) return [];
        var deleted = new List<string>();
        foreach (var ns in listed.Out.Split('\n').Select(l => l.Split(' ', 2)[0].Trim()).Where(n => n.Length > 0))
        {
            var stale = Ours.Match(ns) is { Success: true } m
                ? !Directory.Exists($"/proc/{m.Groups[1].Value}")
                : Legacy.IsMatch(ns) && DateTime.UtcNow - File.GetLastWriteTimeUtc(Path.Combine("/run/netns", ns)) > TimeSpan.FromMinutes(10)
                    && (await Exec("ip", null, ["netns", "pids", ns])).Out.Trim().Length == 0;
            if (stale && (await Exec("ip", null, ["netns", "del", ns])).Code == 0) deleted.Add(ns);
        }
        return deleted;
    }

    public static async Task<RoutedClusterNetwork> CreateAsync(int gatewayPort, int federationPort)
    {
        await SweepStaleAsync();
        var network = new RoutedClusterNetwork(gatewayPort, federationPort);
        try
        {
            foreach (var ns in new[] { network.East, network.West, network.Router }) await Run("ip", "netns", "add", ns);
            foreach (var (ns, side, cluster, router) in new[] { (network.East, "r-east", EastIp, "10.80.1.1"), (network.West, "r-west", WestIp, "10.80.2.1") })
            {
                await network.InRouter("ip", "link", "add", side, "type", "veth", "peer", "name", "eth0", "netns", ns);
                await network.InRouter("ip", "addr", "add", router + "/24", "dev", side);
                await network.InRouter("ip", "link", "set", side, "up");
                await Run("ip", "netns", "exec", ns, "ip", "addr", "add", cluster + "/24", "dev", "eth0");
                await Run("ip", "netns", "exec", ns, "ip", "link", "set", "eth0", "up");
                await Run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
                await Run("ip", "netns", "exec", ns, "ip", "route", "add", "default", "via", router);
            }
            await network.InRouter("ip", "link", "set", "lo", "up");
            await network.InRouter("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            await network.InRouter("iptables", "-w", "-P", "FORWARD", "DROP");
            await network.InRouter("iptables", "-w", "-N", Chain);
            await network.InRouter("iptables", "-w", "-A", "FORWARD", "-j", Chain);
            await network.InRouter("iptables", "-w", "-A", "FORWARD", "-i", "r-east", "-m", "comment", "--comment", Dropped, "-j", "DROP");
            await network.HealAsync();
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    /// <summary>The router forwards east → west's gateway and federation ports again (and west's answers).</summary>
    public async Task HealAsync()
    {
        foreach (var (port, name) in new[] { (_gatewayPort, ToGateway), (_federationPort, ToFederation) })
        {
            var p = port.ToString(CultureInfo.InvariantCulture);
            await InRouter("iptables", "-w", "-A", Chain, "-i", "r-east", "-d", WestIp, "-p", "tcp", "--dport", p, "-m", "comment", "--comment", name, "-j", "ACCEPT");
            await InRouter("iptables", "-w", "-A", Chain, "-i", "r-west", "-s", WestIp, "-p", "tcp", "--sport", p, "-m", "comment", "--comment", name + "-reply", "-j", "ACCEPT");
        }
    }

    /// <summary>The router forwards everything between east and west as well (a flat network, as between clusters whose
    /// pod networks are routed to each other); after the two port rules, so their counters still count those ports.</summary>
    public async Task OpenAsync()
    {
        await InRouter("iptables", "-w", "-A", Chain, "-i", "r-east", "-d", WestIp, "-m", "comment", "--comment", Opened, "-j", "ACCEPT");
        await InRouter("iptables", "-w", "-A", Chain, "-i", "r-west", "-d", EastIp, "-m", "comment", "--comment", Opened + "-reply", "-j", "ACCEPT");
    }

    /// <summary>The router's accept rules gone: every packet between the clusters is dropped silently (no reset), as a
    /// partition looks to both sides.</summary>
    public Task PartitionAsync() => InRouter("iptables", "-w", "-F", Chain);

    /// <summary>Packets the router's rule named <paramref name="rule"/> has matched so far.</summary>
    public async Task<long> PacketsAsync(string rule)
    {
        var (code, output, _) = await ExecAsync(Router, null, "iptables", "-w", "-nvxL");
        if (code != 0) throw new InvalidOperationException($"iptables -nvxL in {Router} failed ({code}): {output}");
        var line = output.Split('\n').FirstOrDefault(l => l.Contains($"/* {rule} */", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"no rule {rule} in {Router}:\n{output}");
        return long.Parse(Regex.Match(line, @"^\s*(\d+)").Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private Task InRouter(params string[] command) => Run("ip", ["netns", "exec", Router, .. command]);

    private static async Task Run(string file, params string[] args)
    {
        var result = await Exec(file, null, args);
        if (result.Code != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed: {result}");
    }

    /// <summary>Runs <paramref name="command"/> inside namespace <paramref name="ns"/> with <paramref name="stdin"/>.</summary>
    public static Task<ExecResult> ExecAsync(string ns, string? stdin, params string[] command) =>
        ExecAsync(ns, stdin, null, command);

    /// <summary>The form with extra environment variables (a null value removes the variable).</summary>
    public static Task<ExecResult> ExecAsync(string ns, string? stdin, IReadOnlyDictionary<string, string?>? env, params string[] command) =>
        Exec("ip", stdin, ["netns", "exec", ns, .. command], env);

    private static async Task<ExecResult> Exec(string file, string? stdin, string[] args, IReadOnlyDictionary<string, string?>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null) psi.Environment.Remove(k);
            else psi.Environment[k] = v;
        }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null) await p.StandardInput.WriteAsync(stdin);
        p.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await p.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{file} {string.Join(' ', args)} did not exit"); }
        return new ExecResult(p.ExitCode, await stdout, await stderr);
    }

    public async ValueTask DisposeAsync()
    {
        // A namespace's veth ends and iptables rules go with it; the processes in it are the test's to stop first.
        foreach (var ns in new[] { East, West, Router }) await Exec("ip", null, ["netns", "del", ns]);
    }
}

/// <summary>How a command run by <see cref="RoutedClusterNetwork"/> ended.</summary>
internal readonly record struct ExecResult(int Code, string Out, string Err)
{
    public override string ToString() => $"exit {Code}\n{Out}\n{Err}".TrimEnd();
}

/// <summary>A test that builds a <see cref="RoutedClusterNetwork"/>: skipped, with the reason, on a host where that
/// cannot work (not Linux, not root, no `ip`/`iptables`), rather than failing for a reason that is not the mesh's.</summary>
public sealed class RoutedClusterFactAttribute : FactAttribute
{
    public RoutedClusterFactAttribute()
    {
        if (RoutedClusterNetwork.Unavailable is { } reason) Skip = reason;
    }
}
