using System.Text;
using System.Text.Json.Nodes;
using Mesh.Testing.KubeApi.Kinds;
using Mesh.Testing.KubeApi.Store;

namespace Mesh.Testing.KubeApi.Resources;

/// <summary>The few per-kind defaults clients depend on: a Service gets a cluster IP from 10.96.0.0/16 (kept across
/// updates, as the field is immutable), a Secret's <c>stringData</c> folds into base64 <c>data</c> and its type
/// defaults to Opaque, a new Pod is Pending. Everything else is stored as sent.</summary>
internal sealed class KindDefaults
{
    private int _nextServiceIp = 1;

    public void OnCreate(KindInfo kind, JsonObject obj)
    {
        if (kind.Group.Length != 0) return;
        switch (kind.Resource)
        {
            case "services":
            {
                var spec = obj["spec"] as JsonObject ?? new JsonObject();
                obj["spec"] = spec;
                var type = JsonText.Str(spec["type"]) ?? "ClusterIP";
                spec["type"] = type;
                if (type != "ExternalName" && JsonText.Str(spec["clusterIP"]) is null or "")
                {
                    var n = Interlocked.Increment(ref _nextServiceIp);
                    var ip = $"10.96.{n / 256 % 256}.{n % 256}";
                    spec["clusterIP"] = ip;
                    spec["clusterIPs"] = new JsonArray(ip);
                }
                break;
            }
            case "secrets":
                FoldStringData(obj);
                if (JsonText.Str(obj["type"]) is null) obj["type"] = "Opaque";
                break;
            case "pods":
                obj["status"] = new JsonObject { ["phase"] = "Pending" };
                break;
        }
    }

    public static void OnUpdate(KindInfo kind, JsonObject old, JsonObject next)
    {
        if (kind.Group.Length != 0) return;
        if (kind.Resource == "secrets") FoldStringData(next);
        if (kind.Resource == "services" && next["spec"] is JsonObject spec && old["spec"] is JsonObject oldSpec && oldSpec["clusterIP"] is { } ip)
        {
            spec["clusterIP"] = ip.DeepClone();
            if (oldSpec["clusterIPs"] is { } ips) spec["clusterIPs"] = ips.DeepClone();
        }
    }

    private static void FoldStringData(JsonObject secret)
    {
        if (secret["stringData"] is not JsonObject stringData) return;
        var data = secret["data"] as JsonObject ?? new JsonObject();
        foreach (var (key, value) in stringData)
            if (JsonText.Str(value) is { } text) data[key] = Convert.ToBase64String(Encoding.UTF8.GetBytes(text));
        secret["data"] = data;
        secret.Remove("stringData");
    }
}
