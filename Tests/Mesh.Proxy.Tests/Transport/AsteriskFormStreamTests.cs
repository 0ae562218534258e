using System.Text;
using Mesh.Proxy.Transport;

namespace Mesh.Proxy.Tests.Transport;

public sealed class AsteriskFormStreamTests
{
    [Fact]
    public async Task WriteAsync_FirstRequestLineOptionsSlash_IsWrittenAsAsterisk_AndNothingElseChanges()
    {
        var wire = new MemoryStream();
        await using var stream = new AsteriskFormStream(wire);
        var head = "OPTIONS / HTTP/1.1\r\nHost: books\r\nx-path: OPTIONS / HTTP/1.1\r\n\r\n"u8.ToArray();
        await stream.WriteAsync(head);
        await stream.WriteAsync("OPTIONS / HTTP/1.1\r\n"u8.ToArray());
        stream.Write("OPTIONS / HTTP/1.1\r\n"u8);
        Assert.Equal("OPTIONS * HTTP/1.1\r\nHost: books\r\nx-path: OPTIONS / HTTP/1.1\r\n\r\nOPTIONS / HTTP/1.1\r\nOPTIONS / HTTP/1.1\r\n",
            Encoding.ASCII.GetString(wire.ToArray()));
        // The caller's buffer is left as it was (SocketsHttpHandler reuses it).
        Assert.Equal((byte)'/', head[8]);
    }

    [Fact]
    public void Write_SyncFirstRequestLine_IsWrittenAsAsterisk()
    {
        var wire = new MemoryStream();
        using var stream = new AsteriskFormStream(wire);
        stream.Write("OPTIONS / HTTP/1.1\r\n\r\n"u8);
        Assert.Equal("OPTIONS * HTTP/1.1\r\n\r\n", Encoding.ASCII.GetString(wire.ToArray()));
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\n\r\n")]
    [InlineData("OPTIONS /x HTTP/1.1\r\n\r\n")]
    [InlineData("OPTIONS / HTTP/1.0\r\n\r\n")]
    [InlineData("OPTIONS /")]
    public async Task WriteAsync_FirstBytesNotOptionsSlash_FailsAndWritesNothing(string first)
    {
        var wire = new MemoryStream();
        await using var stream = new AsteriskFormStream(wire);
        await Assert.ThrowsAsync<IOException>(() => stream.WriteAsync(Encoding.ASCII.GetBytes(first)).AsTask());
        Assert.Equal(0, wire.Length);
    }
}
