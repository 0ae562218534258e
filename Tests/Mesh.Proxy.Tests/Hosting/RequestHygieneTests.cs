using Mesh.Proxy.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Hosting;

public sealed class RequestHygieneTests
{
    [Theory]
    [InlineData("1\nx-injected: 1")]
    [InlineData("1\r\nx-injected: 1")]
    [InlineData("a\rb")]
    [InlineData("a\0b")]
    public void FirstUnsafeField_ValueWithCrLfOrNul_NamesTheField(string value)
    {
        var headers = new HeaderDictionary { ["x-ok"] = "fine", ["x-a"] = value };
        Assert.Equal("x-a", RequestHygiene.FirstUnsafeField(headers));
    }

    [Fact]
    public void FirstUnsafeField_SecondOfTwoValues_IsSeen()
    {
        var headers = new HeaderDictionary { ["x-a"] = new(["ok", "b\nc"]) };
        Assert.Equal("x-a", RequestHygiene.FirstUnsafeField(headers));
    }

    [Fact]
    public void FirstUnsafeField_CleanFieldsWithTabsAndCommas_IsNull()
    {
        var headers = new HeaderDictionary { ["x-a"] = "a, b\tc", ["cookie"] = "k=v; k2=v2" };
        Assert.Null(RequestHygiene.FirstUnsafeField(headers));
    }
}
