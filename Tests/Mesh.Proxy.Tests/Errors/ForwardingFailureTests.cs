using Mesh.Proxy.Errors;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Tests.Errors;

public sealed class ForwardingFailureTests
{
    [Theory]
    [InlineData(ForwarderError.RequestBodyClient, ProxyError.BadRequest)]
    [InlineData(ForwarderError.UpgradeRequestClient, ProxyError.BadRequest)]
    [InlineData(ForwarderError.Request, ProxyError.Upstream)]
    [InlineData(ForwarderError.ResponseHeaders, ProxyError.Upstream)]
    [InlineData(ForwarderError.RequestBodyDestination, ProxyError.Upstream)]
    [InlineData(ForwarderError.RequestTimedOut, ProxyError.BackendTimeout)]
    public void ToProxyError_EachForwarderError_IsAnsweredAs(ForwarderError error, ProxyError expected) =>
        Assert.Equal(expected, ForwardingFailure.ToProxyError(error));

    [Theory]
    [InlineData(ForwarderError.None)]
    [InlineData(ForwarderError.RequestCanceled)]
    [InlineData(ForwarderError.RequestBodyCanceled)]
    [InlineData(ForwarderError.ResponseBodyClient)]
    [InlineData(ForwarderError.ResponseBodyCanceled)]
    public void ToProxyError_ClientGoneOrNothingFailed_AnswersNothing(ForwarderError error) =>
        Assert.Null(ForwardingFailure.ToProxyError(error));

    [Fact]
    public void IsClientSide_EveryClientAndCanceledError_IsTheClients_NoDestinationErrorIs()
    {
        foreach (var e in Enum.GetValues<ForwarderError>())
        {
            var name = e.ToString();
            var clients = name.EndsWith("Client", StringComparison.Ordinal) || name.EndsWith("Canceled", StringComparison.Ordinal);
            Assert.True(clients == ForwardingFailure.IsClientSide(e), name);
        }
    }

    [Fact]
    public void Describe_ResponseEndedWithAResourceKeyMessage_SaysItInWords()
    {
        var ex = new HttpRequestException(HttpRequestError.ResponseEnded, "net_http_invalid_response_premature_eof");
        var text = ForwardingFailure.Describe(ForwarderError.Request, ex);
        Assert.Equal("the connection was closed before a complete response", text);
        Assert.Contains("malformed", ForwardingFailure.Describe(ForwarderError.RequestBodyClient, new Microsoft.AspNetCore.Http.BadHttpRequestException("x")), StringComparison.Ordinal);
    }
}
