using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Cli.Local;
using Mesh.E2E.Tests.Support;

namespace Mesh.E2E.Tests.Conformance;

/// <summary>What h2spec is pointed at: a real silo (`mesh silo`, control port over mesh TLS) and a real sidecar
/// (mesh-proxy with mesh TLS on its inbound port, certified by that silo), both child processes on free ports.</summary>
public sealed class H2SpecMesh : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);
    private readonly string _dataDir = Directory.CreateTempSubdirectory("mesh-e2e-h2spec-").FullName;
    private ChildProcess? _silo, _proxy;

    public int ControlPort { get; private set; }
    public int InboundPort { get; private set; }
    public int OutboundPort { get; private set; }

    /// <summary>Where h2spec is: MESH_H2SPEC (a checkout elsewhere, e.g. a git worktree), else beside the repository
    /// (../shared/tools/h2spec, as on the CI clone and /work/main).</summary>
    public static string Tool => Environment.GetEnvironmentVariable("MESH_H2SPEC") is { Length: > 0 } configured ? configured
        : Path.GetFullPath(Path.Combine(MeshBinaries.RepoRoot, "..", "shared", "tools", "h2spec"));

    public async Task InitializeAsync()
    {
        _silo = ChildProcess.Start("silo", MeshBinaries.Cli,
            ["silo", "--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", _dataDir,
             "--", "--silo-port", Text(FreePort()), "--gateway-port", Text(FreePort())],
            MeshBinaries.ChildEnvironment(_dataDir));
        var admin = (await _silo.WaitForLineAsync(new Regex(@"mesh-silo: admin (http://\S+)"), StartTimeout)).Groups[1].Value;
        ControlPort = int.Parse((await _silo.WaitForLineAsync(new Regex(@"mesh-silo: control https://127\.0\.0\.1:(\d+)"), StartTimeout)).Groups[1].Value);
        await _silo.WaitForLineAsync(new Regex("mesh-silo: ready"), StartTimeout);

        using var http = new HttpClient { BaseAddress = new Uri(admin), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new("Bearer", (await File.ReadAllTextAsync(Path.Combine(_dataDir, "admin-token"))).Trim());
        using var issued = await http.PostAsJsonAsync("/api/v1/identity/tokens", new { @namespace = "default", serviceAccount = "books" });
        issued.EnsureSuccessStatusCode();
        var token = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;

        var env = MeshBinaries.ChildEnvironment(_dataDir);
        env["MESH_CONTROL_ADDR"] = $"https://127.0.0.1:{ControlPort}";
        env["MESH_PROXY_TRUST_ANCHORS"] = Path.Combine(_dataDir, "trust-anchors.pem");
        env["MESH_PROXY_TOKEN"] = token;
        env["MESH_PROXY_WORKLOAD"] = "books";
        env["MESH_PROXY_INBOUND_ADDR"] = "127.0.0.1:0";
        env["MESH_PROXY_OUTBOUND_ADDR"] = "127.0.0.1:0";
        env["MESH_PROXY_ADMIN_ADDR"] = "127.0.0.1:0";
        // Nothing listens there: the inbound answers 502 itself, which is all h2spec needs (a response with a body).
        env["MESH_PROXY_APP_ADDR"] = $"127.0.0.1:{FreePort()}";
        _proxy = ChildProcess.Start("proxy", MeshBinaries.Proxy, [], env);
        InboundPort = int.Parse((await _proxy.WaitForLineAsync(new Regex(@"mesh-proxy: inbound \S+:(\d+)"), StartTimeout)).Groups[1].Value);
        OutboundPort = int.Parse((await _proxy.WaitForLineAsync(new Regex(@"mesh-proxy: outbound \S+:(\d+)"), StartTimeout)).Groups[1].Value);
        await _proxy.WaitForLineAsync(new Regex("mesh-proxy: ready"), StartTimeout);
    }

    /// <summary>The processes' output so far, for a failure message.</summary>
    public string Logs(int lines = 40) =>
        string.Join('\n', (_silo?.Output ?? []).TakeLast(lines).Select(l => "silo: " + l)
            .Concat((_proxy?.Output ?? []).TakeLast(lines).Select(l => "proxy: " + l)));

    /// <summary>True while both processes run (abuse must not bring either down).</summary>
    public bool BothRunning => _silo is { HasExited: false } && _proxy is { HasExited: false };

    public async Task DisposeAsync()
    {
        if (_proxy is not null) await _proxy.DisposeAsync();
        if (_silo is not null) await _silo.DisposeAsync();
        try { Directory.Delete(_dataDir, recursive: true); } catch (IOException) { }
    }

    private static string Text(int n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
