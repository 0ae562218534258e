namespace Mesh.Cli.Tests;

public sealed class ProjectLoadsTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Mesh.Cli.Tests", typeof(ProjectLoadsTests).Assembly.GetName().Name);
}
