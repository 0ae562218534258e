using Mesh.Abstractions.Resources;

namespace Mesh.Fuzz.Tests.Abstractions.Resources.Syntax;

/// <summary>JSON syntax errors carry a position like YAML ones.</summary>
public sealed class JsonSourceTests
{
    [Fact]
    public void Parse_DuplicateKeyInSecondArrayItem_ReportedWithItsDocumentLineAndColumn()
    {
        var errors = string.Join("\n", ResourceParser.Parse("""
            [{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}, "spec": {"ports": [{"port": 80}]}},
             {"apiVersion": "v1", "kind": "Service",
              "metadata": {"name": "b", "name": "c"}, "spec": {"ports": [{"port": 80}]}}]
            """).Errors);

        Assert.Equal("doc 2: line 3, column 29: duplicate key \"name\"", errors);
    }
}
