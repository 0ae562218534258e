using System.Buffers;
using System.Text;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

public sealed class ConnectionFieldTapTests
{
    private const string Head = "GET / HTTP/1.1\r\nHost: x\r\nx-connection: no\r\nCoNnEcTiOn: close, x-secret\r\nx-kept: 1\r\n\r\n";

    [Fact]
    public void Observe_HeadSplitAtEveryByte_ReadsTheNamedFields()
    {
        var bytes = Encoding.ASCII.GetBytes(Head);
        for (var split = 0; split <= bytes.Length; split++)
        {
            var tap = new ConnectionFieldTap();
            tap.Observe(new ReadOnlySequence<byte>(bytes, 0, split));
            tap.Observe(new ReadOnlySequence<byte>(bytes, split, bytes.Length - split));
            Assert.Equal(["x-secret"], tap.TakeFor(new object()));
        }
    }

    [Fact]
    public void TakeFor_EachRequest_GetsOnlyWhatCameSinceThePrevious_AndTheSameAgainOnARetry()
    {
        var tap = new ConnectionFieldTap();
        tap.Observe(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(Head)));
        object first = new(), second = new();
        Assert.Equal(["x-secret"], tap.TakeFor(first));
        Assert.Equal(["x-secret"], tap.TakeFor(first));
        tap.Observe(new ReadOnlySequence<byte>("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray()));
        Assert.Empty(tap.TakeFor(second));
    }

    [Fact]
    public void Observe_Http2Preface_IsNotScanned()
    {
        var tap = new ConnectionFieldTap();
        tap.Observe(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nconnection: x-secret\r\n")));
        Assert.Empty(tap.TakeFor(new object()));
    }
}
