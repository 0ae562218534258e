using System.Collections.Immutable;
using System.Text;
using CsCheck;
using Mesh.Abstractions.Grains;
using Mesh.Abstractions.Resources;
using Mesh.Fuzz.Tests.Abstractions.Resources;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Grains.Catalog;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Silo.Admin;

/// <summary>POST /api/v1/apply as the endpoint handles it: any body bytes (decoded as UTF-8, as ReadLimitedAsync does) with
/// any ?namespace=, then the dry-run planner over what parsed. Nothing may throw: a bad body or namespace is a 400 with errors.</summary>
public sealed class ApplyBodyFuzzTests(ITestOutputHelper output)
{
    private static readonly Gen<string> Namespaces = Gen.OneOf(
        Gen.OneOf("default", "books", "", " ", "Default", "a.b", "-x", "x-", new string('a', 64), "ns/evil", "ns%2f", "\u0000", "é"),
        Gen.String[0, 70]);

    [Fact]
    public void Apply_MutatedBodyAndNamespace_ParsesOrRejectsNeverThrows()
    {
        var bodies = ResourceTextTarget.Mutator().Inputs();
        FuzzRun.Run(output, "admin-apply", Gen.Select(bodies, Namespaces), c => Check(c.Item1, c.Item2),
            ciCases: 800, print: c => $"namespace \"{c.Item2}\" body {FuzzRun.Show(c.Item1)}");
    }

    internal static void Check(byte[] body, string ns)
    {
        var parsed = ResourceParser.Parse(Encoding.UTF8.GetString(body), string.IsNullOrWhiteSpace(ns) ? "default" : ns);
        if (!parsed.Ok) return;
        foreach (var group in parsed.Resources.GroupBy(r => r.Namespace))
        {
            var batch = group.Select(r => new StoredResource(r.Kind, r.Namespace, r.Name, r.CanonicalJson, 0)).ToImmutableArray();
            var plan = ApplyPlanner.Compute(ImmutableDictionary<string, StoredResource>.Empty, batch);
            if (plan.Outcomes.Length != batch.Length) throw new FuzzFailure($"{plan.Outcomes.Length} outcomes for {batch.Length} resources");
        }
    }
}
