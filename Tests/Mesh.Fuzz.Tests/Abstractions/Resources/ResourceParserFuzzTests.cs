using CsCheck;
using Mesh.Fuzz.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Abstractions.Resources;

/// <summary>Resource YAML/JSON as `mesh apply` sends it, mutated from the corpus; see <see cref="ResourceTextTarget"/>.</summary>
public sealed class ResourceParserFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void Parse_MutatedResourceText_OnlyPositionedErrorsOrValidResources() =>
        FuzzRun.Run(output, "resource-text", ResourceTextTarget.Mutator().Inputs(), b => ResourceTextTarget.Check(b), ciCases: 1000, FuzzRun.Show);
}
