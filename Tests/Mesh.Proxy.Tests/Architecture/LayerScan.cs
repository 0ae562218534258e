using System.Text.RegularExpressions;

namespace Mesh.Proxy.Tests.Architecture;

/// <summary>A Roslyn-free scan of C# sources for the namespaces they import: <c>using</c> lines (plain, static, alias,
/// global), fully qualified <c>Mesh.Proxy.X.</c> references, partly qualified ones (<c>Gateway.GatewayHandler</c> inside
/// <c>Mesh.Proxy</c>), and types of an enclosing namespace used from a nested one (in scope without a using).</summary>
internal static partial class LayerScan
{
    /// <summary>One import: <paramref name="From"/> uses <paramref name="To"/> in <paramref name="File"/>.</summary>
    internal sealed record Edge(string From, string To, string File);

    public static IReadOnlyList<Edge> Edges(IReadOnlyList<(string Path, string Text)> files, string root)
    {
        var parsed = files.Select(f => (f.Path, Namespace: NamespaceOf(f.Text), Code: StripCommentsAndStrings(f.Text), f.Text)).ToList();
        var namespaces = parsed.Where(p => p.Namespace is not null).Select(p => p.Namespace!).ToHashSet(StringComparer.Ordinal);
        var typesByNamespace = parsed.Where(p => p.Namespace is not null)
            .GroupBy(p => p.Namespace!)
            .ToDictionary(g => g.Key, g => g.SelectMany(p => TypeDeclaration().Matches(p.Code).Select(m => m.Groups[1].Value)).ToHashSet(StringComparer.Ordinal));
        var edges = new List<Edge>();
        foreach (var (path, ns, code, text) in parsed)
        {
            if (ns is null) continue;
            void Add(string target)
            {
                if (Owner(target, namespaces) is { } to && to != ns) edges.Add(new Edge(ns, to, path));
            }
            foreach (Match m in UsingLine().Matches(text)) Add(m.Groups["target"].Value);
            foreach (Match m in QualifiedReference(root).Matches(code)) Add(m.Value.TrimEnd('.'));
            // Inside Mesh.Proxy.A, "B.Type" names Mesh.Proxy.B.Type when B is a namespace of the project declaring Type.
            foreach (Match m in PartlyQualified().Matches(code))
            {
                for (var scope = ns; scope is not null && scope.Length >= root.Length; scope = Parent(scope))
                {
                    var candidate = $"{scope}.{m.Groups["ns"].Value}";
                    if (!typesByNamespace.TryGetValue(candidate, out var types) || !types.Contains(m.Groups["type"].Value)) continue;
                    Add(candidate);
                    break;
                }
            }
            // A nested namespace sees its ancestors' types without a using.
            for (var parent = Parent(ns); parent is not null && parent.Length > root.Length; parent = Parent(parent))
            {
                if (!typesByNamespace.TryGetValue(parent, out var types)) continue;
                foreach (Match m in Identifier().Matches(code))
                    if (types.Contains(m.Value)) { Add(parent); break; }
            }
        }
        return edges.Distinct().ToList();
    }

    /// <summary>Groups of namespaces that import each other in a loop (strongly connected components larger than one).</summary>
    public static IReadOnlyList<IReadOnlyList<string>> Cycles(IEnumerable<Edge> edges)
    {
        var graph = edges.GroupBy(e => e.From).ToDictionary(g => g.Key, g => g.Select(e => e.To).Distinct().ToList());
        var nodes = graph.Keys.Concat(graph.Values.SelectMany(v => v)).Distinct().Order(StringComparer.Ordinal).ToList();
        var index = new Dictionary<string, int>(); var low = new Dictionary<string, int>();
        var stack = new Stack<string>(); var onStack = new HashSet<string>(); var result = new List<IReadOnlyList<string>>();
        var counter = 0;
        void Visit(string v)
        {
            index[v] = low[v] = counter++;
            stack.Push(v); onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) result.Add([.. component.Order(StringComparer.Ordinal)]);
        }
        foreach (var n in nodes) if (!index.ContainsKey(n)) Visit(n);
        return result;
    }

    public static string? NamespaceOf(string text) => NamespaceLine().Match(text) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>The longest known namespace that <paramref name="target"/> is or lies in (a type or a static class).</summary>
    private static string? Owner(string target, HashSet<string> namespaces)
    {
        for (var t = target; t is not null; t = Parent(t))
            if (namespaces.Contains(t)) return t;
        return null;
    }

    private static string? Parent(string ns) => ns.LastIndexOf('.') is var i and > 0 ? ns[..i] : null;

    /// <summary>The code without comments, string contents, and the namespace and using lines (read separately).</summary>
    private static string StripCommentsAndStrings(string text) =>
        UsingLine().Replace(NamespaceLine().Replace(Comment().Replace(StringLiteral().Replace(text, "\"\""), ""), ""), "");

    private static Regex QualifiedReference(string root) => new($@"(?<![\w.]){Regex.Escape(root)}(\.[A-Z]\w*)+\.", RegexOptions.Compiled);

    [GeneratedRegex(@"^\s*namespace\s+([\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceLine();

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?<target>[\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingLine();

    [GeneratedRegex(@"(?<![\w.])(?<ns>[A-Z]\w*)\.(?<type>[A-Z]\w*)\b")]
    private static partial Regex PartlyQualified();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(?:struct\s+|class\s+)?([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();

    [GeneratedRegex(@"(?<![\w.])[A-Z]\w*")]
    private static partial Regex Identifier();

    [GeneratedRegex(@"//[^\n]*|/\*.*?\*/", RegexOptions.Singleline)]
    private static partial Regex Comment();

    [GeneratedRegex(@"@?\$?""(?:[^""\\\n]|\\.)*""")]
    private static partial Regex StringLiteral();
}
