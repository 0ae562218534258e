using k8s;
using Mesh.Cli.Commands;

namespace Mesh.Cli.Kubernetes.Check;

/// <summary>The cluster `mesh check --kubernetes` talks to, chosen as kubectl chooses: <c>--kubeconfig</c>, else the
/// first file of KUBECONFIG, else ~/.kube/config; <c>--context</c>, else the file's current-context.</summary>
internal static class KubeTarget
{
    public const string Category = "kubernetes-api";

    /// <summary>The client, or the failed check line saying which config could not be used.</summary>
    public static (IKubernetes? Client, CheckResult? Failure) Connect(CliContext context, string? kubeconfig, string? kubeContext)
    {
        var path = kubeconfig
            ?? context.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()
            ?? Path.Combine(context.HomeDirectory, ".kube", "config");
        const string Name = "kubeconfig can be used";
        if (!File.Exists(path))
            return (null, new(Category, Name, CheckStatus.Fail, $"no kubeconfig at {path}",
                "point at one with --kubeconfig FILE (or KUBECONFIG), e.g. the file your cloud's CLI wrote"));
        try
        {
            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath: path, currentContext: kubeContext);
            config.HttpClientTimeout = context.RequestTimeout;
            return (new k8s.Kubernetes(config), null);
        }
        catch (Exception e) when (e is k8s.Exceptions.KubeConfigException or IOException or FormatException
                                       or UnauthorizedAccessException or YamlDotNet.Core.YamlException)
        {
            var fix = kubeContext is not null
                ? $"list the contexts with: kubectl config get-contexts --kubeconfig {path}"
                : "fix the file, or pick another with --kubeconfig / --context";
            return (null, new(Category, Name, CheckStatus.Fail, $"{path}: {e.Message}", fix));
        }
    }
}
