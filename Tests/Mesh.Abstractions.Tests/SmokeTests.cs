namespace Mesh.Abstractions.Tests;

public sealed class ProjectLoadsTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Mesh.Abstractions.Tests", typeof(ProjectLoadsTests).Assembly.GetName().Name);
}
