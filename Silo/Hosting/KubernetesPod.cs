using System.Net;

namespace Mesh.Silo.Hosting;

/// <summary>The pod a silo runs in under Orleans' Kubernetes hosting, from the downward API variables the package
/// reads itself (POD_NAME, POD_NAMESPACE, POD_IP). Checked here first, so a pod spec missing one fails with the env
/// entry to add instead of the package's options-validation exception (or, for POD_IP, a DNS lookup of the pod name).</summary>
internal sealed record KubernetesPod(string Namespace, IPAddress Ip)
{
    private const string Mode = "Kubernetes hosting (MESH_KUBERNETES=true with MESH_REDIS)";

    public static KubernetesPod Load(Func<string, string?> env, string? advertise)
    {
        // Only required here: the silo reads it as KubernetesPodName, the package as the silo's name.
        Required(env, "POD_NAME", "metadata.name", "the silo's name in the cluster");
        var ns = Required(env, "POD_NAMESPACE", "metadata.namespace", "where the silo pods are watched; the default cluster id");
        var ipText = Required(env, "POD_IP", "status.podIP", "the address other silos reach this one at");
        if (!IPAddress.TryParse(ipText, out var ip))
            throw new SiloSettingsException($"POD_IP='{ipText}' is not an IP address; set it from the downward API (fieldPath: status.podIP)");
        if (advertise is not null && (!IPAddress.TryParse(advertise, out var adv) || !adv.Equals(ip)))
            throw new SiloSettingsException($"MESH_ADVERTISE_ADDR='{advertise}' and POD_IP='{ipText}' disagree; {Mode} advertises POD_IP: drop MESH_ADVERTISE_ADDR");
        if (!Names.DnsLabel.IsValid(ns))
            throw new SiloSettingsException($"POD_NAMESPACE='{ns}' is not a namespace name (a DNS label); set it from the downward API (fieldPath: metadata.namespace)");
        return new KubernetesPod(ns, ip);
    }

    private static string Required(Func<string, string?> env, string variable, string fieldPath, string why) =>
        env(variable) ?? throw new SiloSettingsException(
            $"{Mode} needs {variable} ({why}); set it from the downward API in the silo's container: "
            + $"env: [{{name: {variable}, valueFrom: {{fieldRef: {{fieldPath: {fieldPath}}}}}}}]");
}
