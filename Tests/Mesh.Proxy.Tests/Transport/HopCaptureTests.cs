using System.Diagnostics;
using System.Net;
using Mesh.Api.V1;
using Mesh.Proxy.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Proxy.Tests.Transport;

/// <summary>Packet captures (tcpdump on loopback) while requests whose bodies carry a unique marker cross the mesh:
/// on the hop between sidecars (the server sidecar's inbound port) the marker never shows — no plaintext crosses it —
/// while on the last hop, sidecar → app (plaintext on loopback by design), the same capture method does see it, which
/// proves the capture would have caught plaintext. Bodies, not headers: HTTP/2 may Huffman-code headers.</summary>
[Trait("Category", "E2E")]
public sealed class HopCaptureTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Marker = "plaintext-marker-7f3a9c";
    private readonly List<string> _files = [];
    private MeshTopology _mesh = null!;
    private MeshTopology.Server _books = null!;

    public async Task InitializeAsync()
    {
        _mesh = await MeshTopology.StartWithMeshTlsAsync();
        _books = await _mesh.AddServerAsync("books", new InboundPolicy { Exists = true, DefaultPolicy = DefaultPolicy.AllAuthenticated });
    }

    public async Task DisposeAsync()
    {
        await _mesh.DisposeAsync();
        foreach (var f in _files) File.Delete(f);
    }

    [Fact]
    public async Task Hop_CapturedOnTheWire_CarriesNoPlaintextHttp()
    {
        if (!File.Exists("/usr/bin/tcpdump") && !File.Exists("/usr/sbin/tcpdump"))
        {
            output.WriteLine("SKIPPED: tcpdump is not installed (scripts/setup.sh installs it)");
            return;
        }
        var hop = await Capture.StartAsync(_books.Sidecar.Inbound.Port, NewFile());
        var app = await Capture.StartAsync(_books.App.HttpPort, NewFile());
        if (hop is null || app is null)
        {
            output.WriteLine("SKIPPED: tcpdump could not capture on lo here");
            return;
        }

        _mesh.Discovery.SetService(MeshTopology.Books, [_books.Endpoint()]);
        using (var client = _mesh.HttpProxyClient())
        {
            for (var i = 0; i < 5; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"http://books.default:8080/{Marker}")
                {
                    Content = new StringContent(string.Concat(Enumerable.Repeat(Marker + " ", 100))),
                };
                var response = await client.SendAsync(request);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("2400", response.Headers.GetValues("x-body-length").Single());
            }
        }

        var onHop = await hop.StopAsync();
        var onApp = await app.StopAsync();
        output.WriteLine($"captured {onHop.Length} bytes on the hop, {onApp.Length} on sidecar → app");
        Assert.Contains(Marker, onApp);
        Assert.True(onHop.Length > 12_000, "the capture saw too little traffic on the hop to prove anything");
        Assert.DoesNotContain(Marker, onHop);
        Assert.DoesNotContain("PRI * HTTP/2.0", onHop);
    }

    private string NewFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mesh-hop-{Guid.NewGuid():N}.pcap");
        _files.Add(path);
        return path;
    }

    /// <summary>One tcpdump writing packets of one loopback port to a file as they come (--immediate-mode: no kernel
    /// block buffering; -U: no file buffering).</summary>
    private sealed class Capture(Process tcpdump, string file)
    {
        public static async Task<Capture?> StartAsync(int port, string file)
        {
            var tcpdump = Process.Start(new ProcessStartInfo("tcpdump", ["-i", "lo", "--immediate-mode", "-U", "-s", "0", "-w", file, $"tcp port {port}"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            })!;
            var started = new TaskCompletionSource();
            tcpdump.ErrorDataReceived += (_, e) => { if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true) started.TrySetResult(); };
            tcpdump.BeginErrorReadLine();
            if (await Task.WhenAny(started.Task, tcpdump.WaitForExitAsync(), Task.Delay(TimeSpan.FromSeconds(20))) == started.Task)
                return new Capture(tcpdump, file);
            if (!tcpdump.HasExited) tcpdump.Kill();
            tcpdump.Dispose();
            return null;
        }

        /// <summary>Lets tcpdump drain what the kernel queued (until the file has not grown for a second), stops it,
        /// returns the bytes.</summary>
        public async Task<string> StopAsync()
        {
            var last = -1L;
            var quiet = 0;
            for (var i = 0; i < 100 && quiet < 5; i++)
            {
                var length = new FileInfo(file).Length;
                quiet = length == last ? quiet + 1 : 0;
                last = length;
                await Task.Delay(200);
            }
            if (!tcpdump.HasExited)
            {
                using var kill = Process.Start("kill", ["-INT", tcpdump.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
                await kill.WaitForExitAsync();
                await tcpdump.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            tcpdump.Dispose();
            return System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(file));
        }
    }
}
