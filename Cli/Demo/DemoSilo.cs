using System.Text.RegularExpressions;
using Mesh.Cli.Connection;
using Mesh.Cli.Local;

namespace Mesh.Cli.Demo;

/// <summary>A `mesh silo` child process the demo starts, and an admin client connected to it once it is ready.</summary>
internal sealed class DemoSilo : IAsyncDisposable
{
    private static readonly Regex Admin = new(@"^mesh-silo: admin (\S+)"), Control = new(@"^mesh-silo: control (\S+)"),
        Federation = new(@"^mesh-silo: federation https://(\S+)"), Ready = new("^mesh-silo: ready");

    private DemoSilo(ChildProcess process, AdminClient client, string adminUrl, string dataDir, string? federationAddress)
    {
        Process = process;
        Client = client;
        AdminUrl = adminUrl;
        DataDir = dataDir;
        FederationAddress = federationAddress;
    }

    public ChildProcess Process { get; }
    public AdminClient Client { get; }
    public string AdminUrl { get; }
    public string DataDir { get; }
    /// <summary>host:port of the federation listener when started with <c>--federation</c>.</summary>
    public string? FederationAddress { get; }

    /// <summary>Starts `mesh silo --admin <paramref name="admin"/> --control 127.0.0.1:0 --data-dir …` plus
    /// <paramref name="extraArgs"/>, and waits for it to be ready. The demo's own flags decide everything: settings a
    /// user's shell exports (Redis, cluster name, CA dir) are not inherited.</summary>
    public static async Task<DemoSilo> StartAsync(string name, (string File, string[] Prefix) cli, string admin, string dataDir,
        IReadOnlyList<string> extraArgs, TextWriter? echo, CancellationToken ct)
    {
        var federating = extraArgs.Contains("--federation");
        var process = ChildProcess.Start(name, cli.File, [.. cli.Prefix, "silo", "--admin", admin, "--control", "127.0.0.1:0", "--data-dir", dataDir, .. extraArgs],
            new Dictionary<string, string?>
            {
                ["MESH_REDIS"] = null, ["MESH_CA_DIR"] = null, ["MESH_CLUSTER_NAME"] = null, ["MESH_TRUST_DOMAIN"] = null,
                ["MESH_FEDERATION_ADDR"] = null, ["MESH_MULTICLUSTER_GATEWAY"] = null, ["MESH_MULTICLUSTER_GATEWAY_IDENTITY"] = null,
            }, echo);
        try
        {
            var adminUrl = (await process.WaitForLineAsync(Admin, TimeSpan.FromSeconds(90), ct)).Groups[1].Value;
            var controlUrl = (await process.WaitForLineAsync(Control, TimeSpan.FromSeconds(30), ct)).Groups[1].Value;
            var federation = federating ? (await process.WaitForLineAsync(Federation, TimeSpan.FromSeconds(30), ct)).Groups[1].Value : null;
            await process.WaitForLineAsync(Ready, TimeSpan.FromSeconds(60), ct);
            var token = (await File.ReadAllTextAsync(Path.Combine(dataDir, SiloConnection.TokenFileName), ct)).Trim();
            var client = new AdminClient(new SiloConnection(SiloConnection.ToUri(adminUrl, "silo"), SiloConnection.ToUri(controlUrl, "silo"), dataDir, token),
                TimeSpan.FromSeconds(30));
            return new DemoSilo(process, client, adminUrl, dataDir, federation);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
    }
}
