using Mesh.Proxy.Transport;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Mesh.Proxy.Tests.Transport;

public sealed class HopByHopHeadersTests
{
    [Fact]
    public void Named_ConnectionWithOptionsAndFields_YieldsTheFieldsButNotFramingOrClose()
    {
        var named = HopByHopHeaders.Named(new StringValues(["close, x-secret", " Keep-Alive ,content-length, Host,transfer-encoding", "x-other,,te, bad name"]));
        Assert.Equal(["x-secret", "Keep-Alive", "x-other"], named);
    }

    [Fact]
    public void RemoveNamed_Request_DropsNamedRequestAndContentFields_KeepsTheRest()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "http://app/") { Content = new ByteArrayContent([1]) };
        request.Headers.TryAddWithoutValidation("x-secret", "s");
        request.Headers.TryAddWithoutValidation("x-kept", "k");
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "text/plain");
        request.Content.Headers.TryAddWithoutValidation("Content-Length", "1");

        HopByHopHeaders.RemoveNamed("close, X-Secret, content-type, content-length", request);

        Assert.False(request.Headers.Contains("x-secret"));
        Assert.True(request.Headers.Contains("x-kept"));
        Assert.False(request.Content.Headers.Contains("Content-Type"));
        Assert.True(request.Content.Headers.Contains("Content-Length"));
    }

    [Fact]
    public void RemoveNamed_Response_DropsTheFieldsTheAppsConnectionNames()
    {
        using var response = new HttpResponseMessage();
        response.Headers.TryAddWithoutValidation("Connection", "x-app-secret, transfer-encoding");
        var sent = new HeaderDictionary { ["x-app-secret"] = "1", ["x-app-kept"] = "1", ["Transfer-Encoding"] = "chunked" };

        HopByHopHeaders.RemoveNamed(response.Headers.Connection, sent);

        Assert.False(sent.ContainsKey("x-app-secret"));
        Assert.True(sent.ContainsKey("x-app-kept"));
        Assert.True(sent.ContainsKey("Transfer-Encoding"));
    }
}
