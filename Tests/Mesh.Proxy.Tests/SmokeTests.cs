namespace Mesh.Proxy.Tests;

public sealed class ProjectLoadsTests
{
    [Fact]
    public void Assembly_Loads_HasName() => Assert.Equal("Mesh.Proxy.Tests", typeof(ProjectLoadsTests).Assembly.GetName().Name);
}
