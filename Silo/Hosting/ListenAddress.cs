using System.Net;
using System.Net.Sockets;

namespace Mesh.Silo.Hosting;

/// <summary>Parses "host:port" listener addresses ("127.0.0.1:8085", "[::1]:8086", "localhost:0"); port 0 = any free port.</summary>
public static class ListenAddress
{
    public static bool TryParse(string text, out IPEndPoint endpoint, out string error)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        error = "";
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            error = $"'{text}' is not host:port (example: 127.0.0.1:8085; port 0 picks a free port)";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], out var port) || port is < 0 or > 65535)
        {
            error = $"'{text}': port must be a number 0..65535 (0 picks a free port)";
            return false;
        }
        IPAddress? address;
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) address = IPAddress.Loopback;
        else if (!IPAddress.TryParse(host, out address))
        {
            error = $"'{text}': host must be an IP address or 'localhost' (example: 127.0.0.1:8085)";
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>The endpoint itself, or with a free port when its port is 0. The port is probed by binding and released
    /// again, so printed addresses are known before the listeners start.</summary>
    public static IPEndPoint ResolveFreePort(IPEndPoint endpoint) =>
        endpoint.Port != 0 ? endpoint : new IPEndPoint(endpoint.Address, FreePort(endpoint.Address));

    public static int FreePort(IPAddress address)
    {
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public static string ToUrl(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{endpoint.Address}]:{endpoint.Port}" : $"http://{endpoint.Address}:{endpoint.Port}";
}
