using System.Text;
using CsCheck;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Names;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Names;

/// <summary>The authority of a discovery watch request (and of stats traffic): never throws; what parses has DNS-label
/// parts and a port 1..65535, and its canonical form parses back to the same service.</summary>
public sealed class ServiceAuthorityFuzzTests(ITestOutputHelper output)
{
    private static readonly byte[][] Tokens = Mutator.Tokens(".", ":", "..", ".svc", ".svc.cluster.local", ".cluster.local", ":0", ":65535",
        ":65536", ":-1", ":+80", ": 80", ":0x50", ":٨٠", "[::1]", "@", "/", "%", " ", "\t", "\u0130", "\u212a", "\u0000", "-", "xn--", "*");

    [Fact]
    public void TryParse_MutatedAuthorities_ParsesConsistentlyOrErrors()
    {
        var seeds = Corpus.Load("authorities").SelectMany(f => Encoding.UTF8.GetString(f).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(Encoding.UTF8.GetBytes).ToList();
        var inputs = Gen.Select(new Mutator(seeds, Tokens).Inputs(), Gen.OneOf<string?>(null, "", "default", "Books", " ns ", "a.b", "ns/x"));
        FuzzRun.Run(output, "service-authority", inputs, c => Check(c.Item1, c.Item2), ciCases: 3000,
            print: c => $"context \"{c.Item2}\" authority {FuzzRun.Show(c.Item1)}");
    }

    internal static void Check(byte[] bytes, string? context)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (!ServiceAuthority.TryParse(text, context, out var parsed, out var error))
        {
            if (string.IsNullOrWhiteSpace(error)) throw new FuzzFailure("rejected without an error");
            return;
        }
        if (parsed.Port is < 1 or > 65535) throw new FuzzFailure($"port {parsed.Port}");
        // The context namespace is the caller's: only what it names must be a label; the canonical form must re-parse.
        if (!ServiceAuthority.TryParse(parsed.Canonical(), null, out var again, out var againError) || again != parsed)
            throw new FuzzFailure($"'{text}' parsed as {parsed} but its canonical form '{parsed.Canonical()}' gives {again?.ToString() ?? againError}");
    }
}
