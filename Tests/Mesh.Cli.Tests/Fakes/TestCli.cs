using Mesh.Cli.Output;

namespace Mesh.Cli.Tests.Fakes;

/// <summary>What one `mesh` invocation produced.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Err}";
}

/// <summary>A `mesh` invocation that keeps running (a watch) until <see cref="StopAsync"/>.</summary>
internal sealed class RunningCli(Task<int> task, LockedStringWriter output, LockedStringWriter error, CancellationTokenSource cancellation)
{
    public string Out => output.ToString();

    public string Err => error.ToString();

    /// <summary>Polls until stdout satisfies <paramref name="condition"/>; fails with the output seen so far.</summary>
    public async Task WaitForOutputAsync(Func<string, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition(Out))
        {
            if (task.IsCompleted)
                Assert.Fail($"the command ended (exit {await task}) before the expected output\n--- stdout\n{Out}\n--- stderr\n{Err}");
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"expected output did not appear in time\n--- stdout\n{Out}\n--- stderr\n{Err}");
            await Task.Delay(20);
        }
    }

    /// <summary>Waits for a command that ends by itself.</summary>
    public async Task<CliResult> StopAfterCompletionAsync()
    {
        var exit = await task.WaitAsync(TimeSpan.FromSeconds(30));
        cancellation.Dispose();
        return new CliResult(exit, Out, Err);
    }

    /// <summary>Ctrl-C: cancels and returns the exit code.</summary>
    public async Task<CliResult> StopAsync()
    {
        await cancellation.CancelAsync();
        var exit = await task.WaitAsync(TimeSpan.FromSeconds(10));
        cancellation.Dispose();
        return new CliResult(exit, Out, Err);
    }
}

/// <summary>Runs `mesh` commands by parse+invoke with string consoles, a temp data dir and an explicit environment
/// (never the process environment, so tests can run in parallel).</summary>
internal sealed class TestCli : IDisposable
{
    public TestCli()
    {
        DataDirectory = Directory.CreateTempSubdirectory("mesh-cli-test-").FullName;
        Environment["MESH_DATA_DIR"] = DataDirectory;
    }

    public string DataDirectory { get; }

    public Dictionary<string, string> Environment { get; } = new();

    public string Stdin { get; set; } = "";

    public SiloRunner? SiloRunner { get; set; }

    /// <summary>The product's own default (a shorter one made a first `mesh apply` against a freshly started silo on a
    /// loaded 2-core machine time out: FailoverEndToEndTests, 2026-12-07); tests of the timeout itself set their own.</summary>
    public TimeSpan RequestTimeout { get; set; } = CliContext.DefaultRequestTimeout;

    /// <summary>Points the CLI at the fakes and sets a token.</summary>
    public TestCli UseSilo(FakeAdminApi? admin, FakeDiscovery? discovery = null, string? token = "test-token")
    {
        if (admin is not null)
            Environment["MESH_ADMIN_ADDR"] = admin.Address.ToString();
        if (discovery is not null)
            Environment["MESH_CONTROL_ADDR"] = discovery.Address.ToString();
        if (token is not null)
            Environment["MESH_TOKEN"] = token;
        return this;
    }

    /// <summary>A file in the data dir (manifests, tokens, silo.json).</summary>
    public string WriteFile(string relativePath, string text)
    {
        var path = Path.Combine(DataDirectory, relativePath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public async Task<CliResult> RunAsync(params string[] args)
    {
        var running = Start(args);
        var result = await running.StopAfterCompletionAsync();
        return result;
    }

    public RunningCli Start(params string[] args)
    {
        var output = new LockedStringWriter();
        var error = new LockedStringWriter();
        var console = new ConsoleOutput(output, error, outputIsTerminal: false, errorIsTerminal: false, noColour: true);
        var context = new CliContext(console, name => Environment.GetValueOrDefault(name), DataDirectory, new StringReader(Stdin))
        {
            RequestTimeout = RequestTimeout,
        };
        if (SiloRunner is not null)
            context = context with { RunSilo = SiloRunner };
        var cancellation = new CancellationTokenSource();
        var task = Task.Run(() => MeshCli.InvokeAsync(args, context, cancellation.Token));
        return new RunningCli(task, output, error, cancellation);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp dir left behind does not affect other tests.
        }
    }
}
