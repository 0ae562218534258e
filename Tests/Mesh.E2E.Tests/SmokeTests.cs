namespace Mesh.E2E.Tests;

public sealed class ProjectLoadsTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Mesh.E2E.Tests", typeof(ProjectLoadsTests).Assembly.GetName().Name);
}
