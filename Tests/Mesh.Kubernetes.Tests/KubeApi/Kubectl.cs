using System.Diagnostics;
using Mesh.Testing.KubeApi;

namespace Mesh.Kubernetes.Tests.KubeApi;

/// <summary>The real kubectl pointed at a fake API server through a generated kubeconfig, with its own HOME so its
/// discovery cache is per test. A machine without kubectl fails these tests with the fix, it does not skip them.</summary>
internal sealed class Kubectl : IDisposable
{
    private readonly string _dir;
    private readonly string _kubeconfig;
    private readonly string _binary;

    public Kubectl(FakeKubeApi api)
    {
        _binary = ChildProcess.Which("kubectl") ?? throw new InvalidOperationException(
            "kubectl is not on PATH. These tests prove the fake API server against kubectl 1.32. Debian does not package " +
            "kubectl; this machine image ships it (package 'kubectl', /usr/bin/kubectl). Install kubectl 1.32 on PATH and rerun.");
        _dir = Directory.CreateTempSubdirectory("mesh-kubectl-").FullName;
        _kubeconfig = api.WriteKubeconfig(Path.Combine(_dir, "kubeconfig"));
    }

    public string Dir => _dir;

    public Dictionary<string, string> Env => new() { ["KUBECONFIG"] = _kubeconfig, ["HOME"] = _dir };

    public Task<ChildResult> RunAsync(params string[] args) => ChildProcess.RunAsync(_binary, args, Env);

    public Task<ChildResult> RunWithStdinAsync(string stdin, params string[] args) => ChildProcess.RunAsync(_binary, args, Env, stdin: stdin);

    /// <summary>Runs kubectl and returns its stdout, failing the test with everything it printed when it exits non-zero.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var r = await RunAsync(args);
        Assert.True(r.ExitCode == 0, $"kubectl {string.Join(' ', args)}: {r}");
        return r.Stdout;
    }

    public async Task<string> ApplyAsync(string yaml)
    {
        var r = await RunWithStdinAsync(yaml, "apply", "-f", "-");
        Assert.True(r.ExitCode == 0, $"kubectl apply -f -: {r}");
        return r.Stdout;
    }

    /// <summary>Starts a long-running kubectl (e.g. <c>get --watch</c>) whose stdout lines arrive on <see cref="LineStream.Lines"/>.</summary>
    public LineStream Start(params string[] args)
    {
        var psi = new ProcessStartInfo(_binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        foreach (var (k, v) in Env) psi.Environment[k] = v;
        return new LineStream(Process.Start(psi)!);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
