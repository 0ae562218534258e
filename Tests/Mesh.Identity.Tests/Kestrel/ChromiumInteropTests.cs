using System.Diagnostics;
using System.Net;
using Mesh.Identity.Credentials;
using Mesh.Identity.Metrics;
using Mesh.Identity.Tls;
using Xunit.Abstractions;

namespace Mesh.Identity.Tests.Kestrel;

/// <summary>Interop with BoringSSL: headless Debian Chromium against Kestrel + mesh TLS must negotiate X25519MLKEM768.</summary>
public sealed class ChromiumInteropTests(ITestOutputHelper output)
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    [Trait("Category", "E2E")]
    public async Task Chromium_HeadlessGetOverMeshTls_NegotiatesX25519MLKEM768()
    {
        if (!File.Exists(Chromium))
        {
            output.WriteLine($"SKIPPED: {Chromium} is not installed (scripts/setup.sh installs it)");
            Console.WriteLine($"Chromium_HeadlessGetOverMeshTls: skipped, {Chromium} is not installed");
            return;
        }
        var pki = new TestPki();
        using var metrics = new MeshTlsMetrics();
        using var recorder = new MetricsRecorder(metrics);
        var serverCredentials = pki.IssueCustom(TestPki.Id("books", "books"), ips: [IPAddress.Loopback]);
        await using var host = await MeshTlsKestrelHost.StartAsync(new MeshTlsServerOptions
        {
            Credentials = new MeshCredentialsHolder(serverCredentials),
            ClientCertificateMode = ClientCertificateMode.None,
            Metrics = metrics,
        });

        var profile = Directory.CreateTempSubdirectory("mesh-chromium-");
        var netLog = Path.Combine(profile.FullName, "netlog.json");
        try
        {
            var start = new ProcessStartInfo(Chromium)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var arg in new[]
            {
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--ignore-certificate-errors", $"--user-data-dir={profile.FullName}",
                $"--log-net-log={netLog}", "--dump-dom", $"https://127.0.0.1:{host.Port}/",
            })
            {
                start.ArgumentList.Add(arg);
            }
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail($"chromium did not finish within 90 s; stderr: {await stderr}");
            }
            var dom = await stdout;
            output.WriteLine(dom);
            Assert.Contains("group=X25519MLKEM768", dom);
            Assert.Contains("protocol=HTTP/2", dom);
            Assert.True(recorder.Sum(MeshTlsInstrumentNames.Handshakes, ("side", "server"), ("result", "success"), ("group", "X25519MLKEM768")) >= 1);
            // Independent witness from BoringSSL's side: the NetLog records the group code point.
            var log = File.Exists(netLog) ? await File.ReadAllTextAsync(netLog) : "";
            Assert.Contains("\"key_exchange_group\":4588", log);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
