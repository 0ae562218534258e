namespace Mesh.Tls.Tests;

public sealed class ProjectLoadsTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Mesh.Tls.Tests", typeof(ProjectLoadsTests).Assembly.GetName().Name);
}
