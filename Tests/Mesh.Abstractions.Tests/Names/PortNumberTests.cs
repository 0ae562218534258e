using CsCheck;
using Mesh.Names;

namespace Mesh.Abstractions.Tests.Names;

public sealed class PortNumberTests
{
    [Fact]
    public void TryParse_EveryValidPort_RoundTrips() =>
        NameGen.Port.Sample(p => PortNumber.TryParse(p.ToString(System.Globalization.CultureInfo.InvariantCulture), out var parsed) && parsed == p);

    [Fact]
    public void TryParse_BadPortText_FalseAndZero() =>
        NameGen.BadPort.Sample(text => !PortNumber.TryParse(text, out var port) && port == 0);

    [Theory]
    [InlineData("1", 1)]
    [InlineData("65535", 65535)]
    [InlineData("0080", 80)]
    public void TryParse_Bounds_Accepted(string text, int expected)
    {
        Assert.True(PortNumber.TryParse(text, out var port));
        Assert.Equal(expected, port);
    }
}
