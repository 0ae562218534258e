using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Cli.Tests.EndToEnd;

/// <summary>What every end-to-end test here needs: a free loopback port to hand a child process, a port as text for its
/// argv, and a poll with a deadline (never a bare delay hoping it was long enough).</summary>
internal static class EndToEndSupport
{
    /// <summary>How long an end-to-end wait may take on two loaded cores before it fails with what it waited for.</summary>
    public static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(90);

    /// <summary>A port free on 127.0.0.1 now (the child binds it a moment later).</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The port as an argv value.</summary>
    public static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; fails naming <paramref name="what"/> at the deadline.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> what, TimeSpan? deadline = null)
    {
        var end = DateTime.UtcNow + (deadline ?? DefaultDeadline);
        while (!await condition())
        {
            if (DateTime.UtcNow > end) Assert.Fail($"timed out waiting for {what()}");
            await Task.Delay(100);
        }
    }

    /// <summary>The synchronous-condition form of <see cref="UntilAsync(Func{Task{bool}}, Func{string}, TimeSpan?)"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? deadline = null) =>
        UntilAsync(() => Task.FromResult(condition()), () => what, deadline);
}
