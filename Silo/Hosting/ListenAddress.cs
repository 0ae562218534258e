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

    /// <summary>The endpoint itself, or with a free port when its port is 0 (<see cref="FreePort"/>). The port is probed by
    /// binding and released again, so printed addresses are known before the listeners start.</summary>
    public static IPEndPoint ResolveFreePort(IPEndPoint endpoint) =>
        endpoint.Port != 0 ? endpoint : new IPEndPoint(endpoint.Address, FreePort(endpoint.Address));

    /// <summary>A port free on <paramref name="address"/> now, for a listener that binds it a little later. Taken below
    /// the kernel's ephemeral range when there is room: bind(0) — every other listener's "any free port" and every
    /// outgoing connection — hands out only ports of that range, so between this probe and the real bind no one but
    /// another prober can take the port (a port bind(0) returned and released can be handed to the next bind(0) at once).</summary>
    public static int FreePort(IPAddress address)
    {
        if (EphemeralLow() is int low && low > ProbeLow + 1000)
        {
            for (var i = 0; i < 100; i++)
            {
                var port = Random.Shared.Next(ProbeLow, low);
                if (IsFree(address, port)) return port;
            }
        }
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(address, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>The lowest port probed: above the usual fixed service ports (8085, 6379, 5432, …).</summary>
    internal const int ProbeLow = 10000;

    /// <summary>The first port of Linux's ephemeral range (ip_local_port_range), or null where there is none to read.</summary>
    internal static int? EphemeralLow()
    {
        try
        {
            var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return text.Length == 2 && int.TryParse(text[0], out var low) && low is > 0 and <= 65535 ? low : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static bool IsFree(IPAddress address, int port)
    {
        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(address, port));
            return true;
        }
        catch (SocketException) { return false; }
    }

    public static string ToUrl(IPEndPoint endpoint) =>
        endpoint.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{endpoint.Address}]:{endpoint.Port}" : $"http://{endpoint.Address}:{endpoint.Port}";
}
