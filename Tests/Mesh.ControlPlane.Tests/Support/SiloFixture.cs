using System.Collections;
using System.Net.Http.Headers;
using Grpc.Net.Client;
using Mesh.Silo.Hosting;

namespace Mesh.ControlPlane.Tests.Support;

/// <summary>A real silo host (Orleans + Kestrel) on loopback with free ports and a temporary data dir.</summary>
public sealed class SiloFixture : IAsyncLifetime
{
    public SiloHost Host { get; private set; } = null!;
    public string DataDir { get; } = Directory.CreateTempSubdirectory("mesh-silo-test-").FullName;
    public IGrainFactory Grains => Host.Services.GetRequiredService<IGrainFactory>();
    public HttpClient Admin { get; private set; } = null!;
    public GrpcChannel Control { get; private set; } = null!;
    public string Token => File.ReadAllText(Path.Combine(DataDir, "admin-token")).Trim();

    public async Task InitializeAsync()
    {
        var settings = SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", DataDir],
            new Hashtable { ["MESH_LOG_LEVEL"] = "Error" });
        Host = await SiloHost.StartAsync(settings);
        Admin = new HttpClient { BaseAddress = Host.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        Control = ControlChannel.For(Host.ControlUri, DataDir);
    }

    public HttpClient AuthorizedAdmin()
    {
        var client = new HttpClient { BaseAddress = Host.AdminUri, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return client;
    }

    public async Task DisposeAsync()
    {
        Control.Dispose();
        Admin.Dispose();
        await Host.DisposeAsync();
        Directory.Delete(DataDir, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class SiloCollection : ICollectionFixture<SiloFixture>
{
    public const string Name = "silo";
}
