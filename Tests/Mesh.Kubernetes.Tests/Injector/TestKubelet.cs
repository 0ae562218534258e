using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mesh.Kubernetes.Tests.Injector;

/// <summary>Plays the kubelet for one container of a stored Pod: runs the real binary as a child process with exactly
/// the container's <c>args</c> and <c>env</c>, resolved as a kubelet resolves them (downward API, <c>$(VAR)</c>
/// references, volumes mounted at their mountPath). A test host has no pod sandbox, so a few things must differ; every
/// difference is in this substitution table and nothing else is changed:
/// <list type="table">
/// <item><term>status.podIP</term><description>127.0.0.1: the pod's network is the host's loopback.</description></item>
/// <item><term>volume mountPath</term><description>a temp directory: any arg or env value under a mountPath is
/// rewritten to the same file under that directory (what the container sees through its mount).</description></item>
/// <item><term>projected serviceAccountToken</term><description>a token minted by the caller for the pod's namespace,
/// serviceAccountName and the volume's <c>audience</c> (the kubelet's TokenRequest).</description></item>
/// <item><term>configMap volume</term><description>the items' keys, read by the caller (the API's ConfigMap).</description></item>
/// <item><term>MESH_CONTROL_ADDR</term><description>the test silo's control address instead of the in-cluster Service DNS name.</description></item>
/// <item><term>listener addresses (<see cref="Listeners"/>)</term><description>127.0.0.1:0. The container's ports
/// (4143, 4191) are fixed, and tests of several pods run side by side on one host without a network namespace each:
/// keeping them would race other tests for the port. The port the proxy bound is read from its
/// "mesh-proxy: admin ADDR" line and the probes' <c>port</c> maps to it (<see cref="HostPort"/>).</description></item>
/// </list>
/// With a <see cref="PodSandbox"/> the pod has its own network namespace, as under a real kubelet: status.podIP is the
/// sandbox's address, the listener addresses are kept as the spec says, and the process runs inside the namespace
/// (`ip netns exec`) as the container's <c>securityContext.runAsUser</c>/<c>runAsGroup</c> (`setpriv`), so the
/// iptables owner match sees the uid the Pod spec names. An emptyDir volume is a fresh temp directory.
/// Inherited MESH_* variables are removed, so only the Pod spec configures the process. Anything else the kubelet
/// would have to resolve (another fieldRef, secretKeyRef, another volume kind) throws: the test must learn it first.</summary>
internal sealed partial class TestKubelet : IDisposable
{
    /// <summary>Env vars holding a listen address, and the container port each one binds.</summary>
    public static readonly IReadOnlyDictionary<string, string> Listeners = new Dictionary<string, string>
    {
        ["MESH_PROXY_INBOUND_ADDR"] = "inbound", ["MESH_PROXY_OUTBOUND_ADDR"] = "outbound", ["MESH_PROXY_ADMIN_ADDR"] = "admin",
    };

    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly Lock _gate = new();
    private readonly Dictionary<int, string> _portListener = [];

    /// <summary>Where the kubelet sends a probe: the pod IP.</summary>
    public string ProbeHost { get; }
    public IReadOnlyList<string> Args { get; }
    public IReadOnlyDictionary<string, string> Env { get; }
    public JsonObject Container { get; }

    /// <param name="mintToken">(namespace, serviceAccount, audience) → token, as the API server's TokenRequest answers the kubelet.</param>
    /// <param name="configMap">(namespace, name, key) → the ConfigMap's value.</param>
    /// <param name="sandbox">the pod's network namespace; null: the host's loopback (see the substitution table).</param>
    public TestKubelet(string binary, JsonObject pod, string containerName, string controlAddress, string dir,
        Func<string, string, string, string> mintToken, Func<string, string, string, string> configMap, PodSandbox? sandbox = null)
    {
        var spec = pod["spec"]!.AsObject();
        var ns = (string)pod["metadata"]!["namespace"]!;
        var sa = (string?)spec["serviceAccountName"] ?? "default";
        Container = ((spec["initContainers"] as JsonArray ?? []).Concat(spec["containers"] as JsonArray ?? []))
            .Select(c => c!.AsObject()).SingleOrDefault(c => (string?)c["name"] == containerName)
            ?? throw new InvalidOperationException($"pod has no container {containerName}");

        var mounts = Mount(spec, Container, ns, sa, dir, mintToken, configMap);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var e in Container["env"] as JsonArray ?? [])
        {
            var name = (string)e!["name"]!;
            var value = e["valueFrom"] is { } from ? Downward(pod, (string)from["fieldRef"]!["fieldPath"]!, sandbox) : Expand((string?)e["value"] ?? "", env);
            env[name] = Remap(value, mounts);
        }
        if (env.ContainsKey("MESH_CONTROL_ADDR")) env["MESH_CONTROL_ADDR"] = controlAddress;
        foreach (var (name, listener) in Listeners)
            if (sandbox is null && env.TryGetValue(name, out var address))
            {
                _portListener[IPEndPoint.Parse(address).Port] = listener;
                env[name] = "127.0.0.1:0";
            }
        Env = env;
        ProbeHost = sandbox?.PodIp ?? "127.0.0.1";
        Args = [.. (Container["args"] as JsonArray ?? []).Select(a => Remap(Expand((string)a!, env), mounts))];

        var psi = new ProcessStartInfo(sandbox is null ? binary : "ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (sandbox is not null)
        {
            var security = Container["securityContext"];
            var uid = (long?)security?["runAsUser"] ?? 0;
            var gid = (long?)security?["runAsGroup"] ?? uid;
            foreach (var a in new[] { "netns", "exec", sandbox.Netns, "setpriv", $"--reuid={uid}", $"--regid={gid}", "--clear-groups", binary }) psi.ArgumentList.Add(a);
        }
        foreach (var a in Args) psi.ArgumentList.Add(a);
        foreach (var inherited in psi.Environment.Keys.Where(k => k.StartsWith("MESH_", StringComparison.Ordinal)).ToList()) psi.Environment.Remove(inherited);
        foreach (var (k, v) in env) psi.Environment[k] = v;
        _process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {binary}");
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _lines.Add(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_gate) _lines.Add("err: " + e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output { get { lock (_gate) return string.Join('\n', _lines); } }

    public bool HasExited => _process.HasExited;

    /// <summary>An init container's run to completion: its exit code (the kubelet starts the next container on 0 only).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try { await _process.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { throw new TimeoutException($"{(string)Container["name"]!} did not exit within {timeout}; output:\n{Output}"); }
        return _process.ExitCode;
    }

    /// <summary>The host port the process bound for a container port of the Pod spec (a probe's <c>port</c>).</summary>
    public async Task<int> HostPort(int containerPort, TimeSpan timeout)
    {
        if (!_portListener.TryGetValue(containerPort, out var listenerName)) return containerPort; // not remapped: the pod's own network
        var prefix = $"mesh-proxy: {listenerName} ";
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            lock (_gate)
                if (_lines.FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal)) is { } line)
                    return IPEndPoint.Parse(line[prefix.Length..]).Port;
            await Task.Delay(50);
        }
        throw new InvalidOperationException($"no '{prefix}' line; output:\n{Output}");
    }

    /// <summary>Writes each volume the container mounts under <paramref name="dir"/>; mountPath → host directory.</summary>
    private static Dictionary<string, string> Mount(JsonObject spec, JsonObject container, string ns, string sa, string dir,
        Func<string, string, string, string> mintToken, Func<string, string, string, string> configMap)
    {
        var mounts = new Dictionary<string, string>(StringComparer.Ordinal);
        var volumes = (spec["volumes"] as JsonArray ?? []).ToDictionary(v => (string)v!["name"]!, v => v!.AsObject());
        foreach (var m in container["volumeMounts"] as JsonArray ?? [])
        {
            var name = (string)m!["name"]!;
            var host = Directory.CreateDirectory(Path.Combine(dir, name)).FullName;
            var volume = volumes[name];
            if (volume["projected"] is { } projected)
                foreach (var source in projected["sources"]!.AsArray())
                {
                    var token = source!["serviceAccountToken"] ?? throw new NotSupportedException($"volume {name}: projected source {source.ToJsonString()}");
                    File.WriteAllText(Path.Combine(host, (string)token["path"]!), mintToken(ns, sa, (string)token["audience"]!));
                }
            else if (volume["configMap"] is { } cm)
                foreach (var item in cm["items"]!.AsArray())
                    File.WriteAllText(Path.Combine(host, (string)item!["path"]!), configMap(ns, (string)cm["name"]!, (string)item["key"]!));
            else if (volume["emptyDir"] is null) throw new NotSupportedException($"volume {name}: {volume.ToJsonString()}");
            mounts[(string)m["mountPath"]!] = host;
        }
        return mounts;
    }

    private static string Downward(JsonNode pod, string fieldPath, PodSandbox? sandbox) => fieldPath switch
    {
        "metadata.name" => (string)pod["metadata"]!["name"]!,
        "metadata.namespace" => (string)pod["metadata"]!["namespace"]!,
        "spec.serviceAccountName" => (string?)pod["spec"]!["serviceAccountName"] ?? "default",
        "status.podIP" => sandbox?.PodIp ?? "127.0.0.1",
        _ => throw new NotSupportedException($"fieldRef {fieldPath}"),
    };

    /// <summary>Kubernetes' $(VAR) expansion: earlier-defined variables only, $$ escapes, unknown references kept.</summary>
    private static string Expand(string value, Dictionary<string, string> env) =>
        Reference().Replace(value, m => m.Value == "$$" ? "$" : env.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);

    private static string Remap(string value, Dictionary<string, string> mounts)
    {
        foreach (var (mountPath, host) in mounts)
            if (value == mountPath || value.StartsWith(mountPath + "/", StringComparison.Ordinal))
                return host + value[mountPath.Length..];
        return value;
    }

    [GeneratedRegex(@"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")]
    private static partial Regex Reference();

    public void Dispose()
    {
        try { if (!_process.HasExited) { _process.Kill(entireProcessTree: true); _process.WaitForExit(5000); } }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

/// <summary>A pod's network namespace and the address its eth0 has there.</summary>
internal sealed record PodSandbox(string Netns, string PodIp);
