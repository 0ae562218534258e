using System.Net;
using System.Net.Sockets;
using Mesh.Silo.Hosting;

namespace Mesh.ControlPlane.Tests.Hosting;

/// <summary>Port 0 resolved before the listeners start: the port is free, and on Linux it lies below the kernel's
/// ephemeral range, so no bind(0) elsewhere (another test's listener, an outgoing connection) can take it in between.</summary>
public sealed class ListenAddressTests
{
    [Fact]
    public void FreePort_IsBindableAndOutsideTheEphemeralRange()
    {
        var low = ListenAddress.EphemeralLow();
        for (var i = 0; i < 20; i++)
        {
            var port = ListenAddress.FreePort(IPAddress.Loopback);
            if (low is int l && l > ListenAddress.ProbeLow + 1000) Assert.InRange(port, ListenAddress.ProbeLow, l - 1);
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
        }
    }

    [Fact]
    public void ResolveFreePort_FixedPortIsKept_PortZeroGetsAFreeOne()
    {
        Assert.Equal(8085, ListenAddress.ResolveFreePort(new IPEndPoint(IPAddress.Loopback, 8085)).Port);
        Assert.NotEqual(0, ListenAddress.ResolveFreePort(new IPEndPoint(IPAddress.Loopback, 0)).Port);
    }

    [Fact]
    public void FreePort_PortTaken_IsNeverReturned()
    {
        using var taken = new Socket(SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, ListenAddress.FreePort(IPAddress.Loopback)));
        taken.Listen();
        var takenPort = ((IPEndPoint)taken.LocalEndPoint!).Port;
        for (var i = 0; i < 200; i++) Assert.NotEqual(takenPort, ListenAddress.FreePort(IPAddress.Loopback));
    }
}
