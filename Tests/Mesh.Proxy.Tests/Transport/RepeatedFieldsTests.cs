using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

public sealed class RepeatedFieldsTests
{
    [Fact]
    public void JoinWithComma_SeveralValuesOfOneName_OneValueJoinedByCommaInOrder()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("X-Foo", ["a", "b c", "d"]);
        request.Headers.TryAddWithoutValidation("X-Single", "one, two");

        RepeatedFields.JoinWithComma(request.Headers);

        Assert.Equal(["a,b c,d"], request.Headers.NonValidated["X-Foo"]);
        Assert.Equal(["one, two"], request.Headers.NonValidated["X-Single"]);
    }

    [Fact]
    public void JoinWithComma_Cookie_LeftToHttpClientsOwnJoin()
    {
        using var request = new HttpRequestMessage();
        request.Headers.TryAddWithoutValidation("Cookie", ["a=1", "b=2"]);

        RepeatedFields.JoinWithComma(request.Headers);

        Assert.Equal(2, request.Headers.NonValidated["Cookie"].Count);
    }
}
