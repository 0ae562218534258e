using Mesh.Abstractions.Multicluster;

namespace Mesh.Abstractions.Tests.Multicluster;

/// <summary>Only the exact label values export; everything else keeps a Service private.</summary>
public sealed class ExportSelectorTests
{
    [Theory]
    [InlineData("mirror.mesh.io/exported", "true", ExportMode.Gateway, false, true, false)]
    [InlineData("mirror.mesh.io/exported", "remote-discovery", ExportMode.RemoteDiscovery, false, true, true)]
    [InlineData("mirror.mesh.io/federated", "member", ExportMode.None, true, true, true)]
    [InlineData("mirror.mesh.io/exported", "True", ExportMode.None, false, false, false)]
    [InlineData("mirror.mesh.io/exported", "yes", ExportMode.None, false, false, false)]
    [InlineData("mirror.mesh.io/exported", "", ExportMode.None, false, false, false)]
    [InlineData("mirror.mesh.io/federated", "true", ExportMode.None, false, false, false)]
    [InlineData("mirror.linkerd.io/exported", "true", ExportMode.None, false, false, false)]
    public void Classify_Label_ExportsOnlyExactValues(string key, string value, ExportMode mode, bool federated, bool exported, bool endpoints)
    {
        var export = ExportSelector.Classify(new Dictionary<string, string> { [key] = value, ["app"] = "books" });
        Assert.Equal((mode, federated, exported, endpoints), (export.Mode, export.Federated, export.Exported, export.WithEndpoints));
    }

    [Fact]
    public void Classify_GatewayAndFederated_BothHold()
    {
        var export = ExportSelector.Classify(new Dictionary<string, string> { ["mirror.mesh.io/exported"] = "true", ["mirror.mesh.io/federated"] = "member" });
        Assert.Equal((ExportMode.Gateway, true, true), (export.Mode, export.Federated, export.WithEndpoints));
    }
}
