using System.Collections;
using Grpc.Net.Client;
using Mesh.Identity.Client;
using Mesh.Silo.Hosting;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.Identity;

/// <summary>A real silo in Kubernetes mode whose kubeconfig points at a fake API server and authenticates with a
/// ServiceAccount token of its own (mesh-system/mesh-silo).</summary>
internal static class KubernetesSilo
{
    public const string User = "system:serviceaccount:mesh-system:mesh-silo";

    public static SiloSettings Settings(FakeKubeApi api, string dataDir, int timeoutMs = 1000, string? token = null)
    {
        var kubeconfig = api.WriteKubeconfig(Path.Combine(dataDir, "kubeconfig"),
            token: token ?? api.Tokens.MintServiceAccount("mesh-system", "mesh-silo"));
        return SiloSettingsLoader.Load(["--admin", "127.0.0.1:0", "--control", "127.0.0.1:0", "--data-dir", dataDir, "--ephemeral"],
            new Hashtable
            {
                ["MESH_LOG_LEVEL"] = "Error", ["MESH_KUBERNETES"] = "true", ["MESH_KUBECONFIG"] = kubeconfig,
                ["MESH_KUBERNETES_TIMEOUT_MS"] = timeoutMs.ToString(),
            });
    }

    /// <summary>A channel to the control port as a proxy makes one (mesh TLS against the published anchors).</summary>
    public static GrpcChannel Control(SiloHost silo)
    {
        var (address, handler) = ControlPlaneConnection.Create(silo.ControlUri,
            ControlPlaneConnection.LoadTrust(Path.Combine(silo.Settings.DataDir, "trust-anchors.pem")));
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler });
    }
}
