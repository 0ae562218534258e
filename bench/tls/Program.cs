using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Mesh.Bench.Tls;
using Mesh.Identity.Tls;

// Mesh TLS benchmark. Every figure is measured in this run, on this machine, against SslStream (OpenSSL) as baseline.
//   dotnet run -c Release --project bench/tls -- [--quick]
// CPU figures are process CPU time (user+system, both ends of the connection run in this process) divided by the work done.
var quick = args.Contains("--quick");
var handshakes = quick ? 300 : 2000;
var bulkBytes = (quick ? 256L : 2048L) << 20;
var idleConnections = quick ? 200 : 1000;
var caseTimeLimit = TimeSpan.FromSeconds(quick ? 20 : 60);

Console.WriteLine($"load average at start: {LoadAverage()}");
var pki = new Pki();
var hybrid = new MeshContender("mesh X25519MLKEM768", pki, MeshKeyExchangeMode.Hybrid);
var classical = new MeshContender("mesh X25519", pki, MeshKeyExchangeMode.ClassicalOnly);
var baseline = new SslStreamContender(pki);

using var listener = new TcpListener(IPAddress.Loopback, 0);
listener.Start(1024);
var endPoint = (IPEndPoint)listener.LocalEndpoint;

Console.WriteLine($"# mesh TLS benchmark ({(quick ? "quick" : "full")}): {Environment.ProcessorCount} cores, {RuntimeVersion()}, medians of {(quick ? 3 : 5)} interleaved rounds");

// The machine is shared, so every case runs in several rounds, interleaved with the baseline, and the median is reported.
var rounds = quick ? 3 : 5;
var contenders = new Contender[] { baseline, hybrid, classical };
// Warm-up long enough for tiered JIT to reach optimized code (early rounds were ~1.5× dearer without it).
foreach (var contender in contenders) await HandshakeLoop(contender, quick ? 100 : 300, TimeSpan.FromSeconds(20));
var handshakeSamples = contenders.ToDictionary(c => c, _ => new List<(string Name, double PerSecond, double CpuUs)>());
for (var round = 0; round < rounds; round++)
{
    foreach (var contender in contenders)
    {
        var sample = await HandshakeLoop(contender, handshakes / rounds, caseTimeLimit);
        handshakeSamples[contender].Add(sample);
        Console.WriteLine($"round {round + 1} handshake {contender.Name}: {sample.Item2:F0}/s, {sample.Item3:F0} µs CPU");
    }
}
var handshakeRows = contenders.Select(c => (c.Name, PerSecond: Median(handshakeSamples[c].Select(x => x.PerSecond)), CpuUs: Median(handshakeSamples[c].Select(x => x.CpuUs)))).ToList();

var bulkContenders = new Contender[] { baseline, hybrid };
foreach (var contender in bulkContenders) await Bulk(contender, 64L << 20, TimeSpan.FromSeconds(10)); // warm-up
var bulkSamples = bulkContenders.ToDictionary(c => c, _ => new List<(string Name, double MiBps, double CpuMsPerMiB)>());
for (var round = 0; round < rounds; round++)
{
    foreach (var contender in bulkContenders)
    {
        var sample = await Bulk(contender, bulkBytes / rounds, caseTimeLimit);
        bulkSamples[contender].Add(sample);
        Console.WriteLine($"round {round + 1} bulk {contender.Name}: {sample.Item2:F0} MiB/s, {sample.Item3:F2} ms CPU/MiB");
    }
}
var bulkRows = bulkContenders.Select(c => (c.Name, MiBps: Median(bulkSamples[c].Select(x => x.MiBps)), CpuMsPerMiB: Median(bulkSamples[c].Select(x => x.CpuMsPerMiB)))).ToList();

var memoryRows = new List<(string Name, double ManagedKiB, double RssKiB)>();
foreach (var contender in bulkContenders)
{
    memoryRows.Add(await IdleMemory(contender, idleConnections));
    Console.WriteLine($"idle {contender.Name}: {memoryRows[^1].ManagedKiB:F1} KiB managed, {memoryRows[^1].RssKiB:F1} KiB RSS per connection pair");
}

Console.WriteLine($"load average at end: {LoadAverage()}");
var hsBase = handshakeRows[0];
var bulkBase = bulkRows[0];
Console.WriteLine();
Console.WriteLine("| case | handshakes/s | CPU µs/handshake | CPU vs SslStream (target ≤ 1.0×) |");
Console.WriteLine("|---|---:|---:|---:|");
foreach (var r in handshakeRows)
    Console.WriteLine(Inv($"| {r.Name} | {r.PerSecond:F0} | {r.CpuUs:F0} | {r.CpuUs / hsBase.CpuUs:F2}× |"));
Console.WriteLine();
Console.WriteLine("| case | bulk MiB/s | CPU ms/MiB | throughput vs SslStream (target ≥ 0.9×) | CPU vs SslStream |");
Console.WriteLine("|---|---:|---:|---:|---:|");
foreach (var r in bulkRows)
    Console.WriteLine(Inv($"| {r.Name} | {r.MiBps:F0} | {r.CpuMsPerMiB:F2} | {r.MiBps / bulkBase.MiBps:F2}× | {r.CpuMsPerMiB / bulkBase.CpuMsPerMiB:F2}× |"));
Console.WriteLine();
Console.WriteLine("| case | managed KiB per idle connection pair | RSS KiB per idle connection pair |");
Console.WriteLine("|---|---:|---:|");
foreach (var r in memoryRows)
    Console.WriteLine(Inv($"| {r.Name} | {r.ManagedKiB:F1} | {r.RssKiB:F1} |"));
return 0;

async Task<(NetworkStream Client, NetworkStream Server)> Connect()
{
    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
    var accept = listener.AcceptSocketAsync();
    await socket.ConnectAsync(endPoint);
    var server = await accept;
    server.NoDelay = true;
    return (new NetworkStream(socket, ownsSocket: true), new NetworkStream(server, ownsSocket: true));
}

// Two workers (one per core) handshake back to back until the count or the time limit is reached.
async Task<(string Name, double PerSecond, double CpuUs)> HandshakeLoop(Contender contender, int count, TimeSpan limit)
{
    var done = 0;
    var started = Stopwatch.StartNew();
    var cpu = CpuTime();
    var gate = new SemaphoreSlim(1, 1); // the single listener accepts one connection at a time
    async Task Worker()
    {
        while (started.Elapsed < limit && Interlocked.Increment(ref done) <= count)
        {
            NetworkStream c, s;
            await gate.WaitAsync();
            try { (c, s) = await Connect(); } finally { gate.Release(); }
            var (client, server) = await contender.HandshakeAsync(c, s);
            await client.DisposeAsync();
            await server.DisposeAsync();
        }
    }
    await Task.WhenAll(Enumerable.Range(0, Environment.ProcessorCount).Select(_ => Task.Run(Worker)));
    var completed = Math.Min(done, count);
    var elapsed = started.Elapsed;
    var cpuUsed = CpuTime() - cpu;
    return (contender.Name, completed / elapsed.TotalSeconds, cpuUsed.TotalMicroseconds / completed);
}

// One connection; the client writes 64 KiB chunks, the server reads and discards.
async Task<(string Name, double MiBps, double CpuMsPerMiB)> Bulk(Contender contender, long total, TimeSpan limit)
{
    var (c, s) = await Connect();
    var (client, server) = await contender.HandshakeAsync(c, s);
    var chunk = new byte[64 * 1024];
    Random.Shared.NextBytes(chunk);
    long sent = 0;
    var started = Stopwatch.StartNew();
    var cpu = CpuTime();
    var reader = Task.Run(async () =>
    {
        var buffer = new byte[64 * 1024];
        long received = 0;
        int n;
        while ((n = await server.ReadAsync(buffer)) > 0) received += n;
        return received;
    });
    while (sent < total && started.Elapsed < limit)
    {
        await client.WriteAsync(chunk);
        sent += chunk.Length;
    }
    await client.FlushAsync();
    // close_notify first and only then close: closing with unread bytes (e.g. session tickets) makes the kernel send a reset.
    if (client is System.Net.Security.SslStream ssl) await ssl.ShutdownAsync();
    else await ((MeshTlsStream)client).ShutdownAsync();
    var received = await reader;
    await client.DisposeAsync();
    var elapsed = started.Elapsed;
    var cpuUsed = CpuTime() - cpu;
    await server.DisposeAsync();
    var mib = received / (1024.0 * 1024.0);
    return (contender.Name, mib / elapsed.TotalSeconds, cpuUsed.TotalMilliseconds / mib);
}

// Established connections, each with a pending server read (as a real server has), no traffic.
async Task<(string Name, double ManagedKiB, double RssKiB)> IdleMemory(Contender contender, int count)
{
    var (managed0, rss0) = Memory();
    var pairs = new List<(Stream Client, Stream Server, Task<int> Read)>();
    for (var i = 0; i < count; i++)
    {
        var (c, s) = await Connect();
        var (client, server) = await contender.HandshakeAsync(c, s);
        pairs.Add((client, server, server.ReadAsync(new byte[1]).AsTask()));
    }
    var (managed1, rss1) = Memory();
    foreach (var (client, server, read) in pairs)
    {
        await client.DisposeAsync();
        try { await read.WaitAsync(TimeSpan.FromSeconds(5)); } catch (Exception e) when (e is IOException or TimeoutException) { }
        await server.DisposeAsync();
    }
    return (contender.Name, (managed1 - managed0) / 1024.0 / count, (rss1 - rss0) / 1024.0 / count);
}

static (long Managed, long Rss) Memory()
{
    for (var i = 0; i < 3; i++) GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
    GC.WaitForPendingFinalizers();
    using var p = Process.GetCurrentProcess();
    return (GC.GetTotalMemory(true), p.WorkingSet64);
}

static TimeSpan CpuTime()
{
    using var p = Process.GetCurrentProcess();
    return p.TotalProcessorTime;
}

static double Median(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

static string RuntimeVersion() => System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription;

static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
