namespace Mesh.ControlPlane.Tests;

public sealed class ProjectLoadsTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Mesh.ControlPlane.Tests", typeof(ProjectLoadsTests).Assembly.GetName().Name);
}
