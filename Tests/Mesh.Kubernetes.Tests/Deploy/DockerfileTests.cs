using System.Text.RegularExpressions;

namespace Mesh.Kubernetes.Tests.Deploy;

/// <summary>No image can be built here, so the Dockerfiles are kept honest this way: after the project's own build
/// step (deploy/publish.sh = `./mesh`'s build into .mesh-build/, which scripts/test.sh runs before the tests) every COPY
/// source exists in the build context (the repository root), the ENTRYPOINT is an executable the COPY brings, and the
/// Dockerfile's .dockerignore lets every COPY source in.</summary>
[Trait("Category", "E2E")]
public sealed partial class DockerfileTests
{
    private static List<string> Names() =>
        [.. Directory.GetFiles(Path.Combine(MeshInstall.RepoRoot(), "deploy", "docker"), "*.Dockerfile").Select(f => Path.GetFileName(f)).Order()];

    public static TheoryData<string> Dockerfiles() => new(Names());

    [Fact]
    public void Dockerfiles_OneForTheSiloAndOneForTheProxy() => Assert.Equal(["proxy.Dockerfile", "silo.Dockerfile"], Names());

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_AfterPublish_EveryCopySourceAndTheEntrypointExist(string name)
    {
        var root = MeshInstall.RepoRoot();
        var path = Path.Combine(root, "deploy", "docker", name);
        var lines = File.ReadAllLines(path).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var copies = lines.Where(l => l.StartsWith("COPY ", StringComparison.Ordinal)).Select(CopyArguments).ToList();
        Assert.NotEmpty(copies);
        var ignore = File.ReadAllLines(path + ".dockerignore").Where(l => l.StartsWith('!')).Select(l => l[1..].TrimEnd('/')).ToList();

        foreach (var (sources, destination) in copies)
            foreach (var source in sources)
            {
                var full = Path.Combine(root, source);
                Assert.True(Directory.Exists(full) || File.Exists(full),
                    $"{name}: COPY {source} does not exist in the build context; run deploy/publish.sh (./mesh's build into .mesh-build/) first");
                Assert.Contains(source.TrimEnd('/'), ignore);
            }

        var entrypoint = EntrypointRegex().Match(string.Join('\n', lines));
        Assert.True(entrypoint.Success, $"{name}: no exec-form ENTRYPOINT");
        var binary = entrypoint.Groups[1].Value;
        var (fromSources, into) = copies.Single(c => binary.StartsWith(c.Destination, StringComparison.Ordinal));
        var local = Path.Combine(root, Assert.Single(fromSources), binary[into.Length..]);
        Assert.True(File.Exists(local), $"{name}: ENTRYPOINT {binary} comes from {local}, which the build did not make");
        Assert.True((File.GetUnixFileMode(local) & UnixFileMode.UserExecute) != 0, $"{local} is not executable");
    }

    /// <summary>"COPY [--flag…] src… dest" → the sources and the destination.</summary>
    private static (List<string> Sources, string Destination) CopyArguments(string line)
    {
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
        Assert.True(words.Count >= 2, $"COPY without a source and a destination: {line}");
        return (words[..^1], words[^1]);
    }

    [GeneratedRegex("ENTRYPOINT \\[\"([^\"]+)\"")]
    private static partial Regex EntrypointRegex();
}
