namespace Mesh.Cli.Manifests;

/// <summary>The text of one manifest file (or stdin) named as the user gave it.</summary>
internal sealed record ManifestSource(string Name, string Text)
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Reads every `-f` value in order: "-" is stdin, a directory contributes its *.yaml, *.yml and *.json
    /// files (sorted, not recursive). A missing path or an empty selection is a user error; nothing is sent then.</summary>
    public static IReadOnlyList<ManifestSource> ReadAll(IReadOnlyList<string> paths, TextReader stdin)
    {
        var sources = new List<ManifestSource>();
        var stdinRead = false;
        foreach (var path in paths)
        {
            if (path == "-")
            {
                if (stdinRead)
                    throw new CliException("-f - given twice: stdin can be read only once");
                stdinRead = true;
                sources.Add(new ManifestSource("<stdin>", stdin.ReadToEnd()));
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (files.Count == 0)
                    throw new CliException($"{path}: the directory has no *.yaml, *.yml or *.json files", hint: "pass the manifest files themselves with -f");
                sources.AddRange(files.Select(Read));
            }
            else if (File.Exists(path))
            {
                sources.Add(Read(path));
            }
            else
            {
                throw new CliException($"{path}: no such file or directory", hint: "check the path given to -f (use -f - to read stdin)");
            }
        }
        foreach (var source in sources.Where(s => string.IsNullOrWhiteSpace(s.Text)))
            throw new CliException($"{source.Name}: the manifest is empty", hint: "give a file with at least one resource (YAML or JSON)");
        return sources;
    }

    private static ManifestSource Read(string path)
    {
        try
        {
            return new ManifestSource(path, File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"{path}: cannot read: {e.Message}");
        }
    }
}
