namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>The seed corpus in the repo: corpus/&lt;target&gt;/* (valid inputs and malformed variants, each a file) and,
/// for resource text, the parser's golden inputs (Tests/Mesh.Abstractions.Tests/testdata, linked as corpus/testdata).</summary>
internal static class Corpus
{
    public static string Root => Path.Combine(AppContext.BaseDirectory, "corpus");

    /// <summary>Every file under corpus/<paramref name="target"/> (and the extra folders), sorted so runs repeat.</summary>
    public static List<byte[]> Load(string target, params string[] extra)
    {
        var seeds = new List<byte[]>();
        foreach (var folder in extra.Prepend(target))
        {
            var dir = Path.Combine(Root, folder);
            if (!Directory.Exists(dir)) continue;
            foreach (var file in Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                seeds.Add(File.ReadAllBytes(file));
        }
        if (seeds.Count == 0) throw new InvalidOperationException($"no seeds under {Path.Combine(Root, target)}");
        return seeds;
    }
}
