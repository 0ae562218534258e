using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Mesh.Proxy.Transport;

/// <summary>Reads where a redirected connection was headed (Linux SO_ORIGINAL_DST, set by iptables REDIRECT).</summary>
internal static partial class OriginalDestination
{
    private const int SolIp = 0;
    private const int SoOriginalDst = 80;

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int getsockopt(nint socket, int level, int name, byte* value, ref int length);

    /// <summary>The original destination of an accepted IPv4 socket, or null when it was not redirected / not Linux.</summary>
    public static unsafe IPEndPoint? Get(Socket socket)
    {
        if (!OperatingSystem.IsLinux() || socket.AddressFamily != AddressFamily.InterNetwork) return null;
        Span<byte> sockaddr = stackalloc byte[16];
        var length = 16;
        fixed (byte* p = sockaddr)
        {
            if (getsockopt(socket.Handle, SolIp, SoOriginalDst, p, ref length) != 0) return null;
        }
        var port = BinaryPrimitives.ReadUInt16BigEndian(sockaddr[2..4]);
        var address = new IPAddress(sockaddr.Slice(4, 4));
        return new IPEndPoint(address, port);
    }

    /// <summary>Connection stage: attaches <see cref="OriginalDestinationFeature"/> when the connection was redirected elsewhere.</summary>
    public static Func<ConnectionDelegate, ConnectionDelegate> Middleware() => next => connection =>
    {
        if (connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } socket && Get(socket) is { } original &&
            connection.LocalEndPoint is IPEndPoint local && !original.Equals(local))
            connection.Features.Set(new OriginalDestinationFeature(original));
        return next(connection);
    };
}
