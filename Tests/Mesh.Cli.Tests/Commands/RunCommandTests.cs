using Mesh.Cli.Tests.Fakes;

namespace Mesh.Cli.Tests.Commands;

/// <summary>`mesh run`'s bad input is refused before anything starts or is written (the fake silo sees no request).</summary>
public sealed class RunCommandTests : FakeSiloTestBase
{
    [Theory]
    [InlineData("books.local")]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("10.0.0.300")]
    public async Task Run_AddressNotReachable_Exits1WritingNothing(string address)
    {
        var result = await Cli.RunAsync("run", "books", "--port", "7001", "--address", address, "--", "true");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"error: --address '{address}' is not an address peers can reach", result.Err);
        Assert.Empty(Admin.Requests);
    }
}
