using System.Diagnostics;
using System.Text;
using CsCheck;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>Runs one target over generated inputs with CsCheck (shrinking any crash to a small input) and writes the
/// case count and time, so an on-demand run gives the numbers for the issue.</summary>
internal static class FuzzRun
{
    public static void Run<T>(ITestOutputHelper output, string target, Gen<T> inputs, Action<T> check, long ciCases, Func<T, string>? print = null)
    {
        var cases = FuzzBudget.Cases(ciCases);
        var clock = Stopwatch.StartNew();
        inputs.Sample(check, iter: cases, print: print);
        Note(output, $"fuzz {target}: {cases} cases in {clock.Elapsed.TotalSeconds:0.0} s, 0 unexpected exceptions");
    }

    /// <summary>A line for the test output and, with MESH_FUZZ_LOG=file, appended to that file (numbers for the issue).</summary>
    public static void Note(ITestOutputHelper output, string line)
    {
        output.WriteLine(line);
        var log = Environment.GetEnvironmentVariable("MESH_FUZZ_LOG");
        if (!string.IsNullOrEmpty(log)) lock (Lock) File.AppendAllText(log, line + "\n");
    }

    private static readonly Lock Lock = new();

    /// <summary>Bytes shown escaped (printable ASCII kept) for reading, then as hex for Convert.FromHexString in a regression test.</summary>
    public static string Show(byte[] bytes)
    {
        var s = new StringBuilder("\"");
        foreach (var b in bytes)
        {
            s.Append(b switch
            {
                (byte)'"' => "\\\"",
                (byte)'\\' => "\\\\",
                (byte)'\n' => "\\n",
                (byte)'\r' => "\\r",
                (byte)'\t' => "\\t",
                >= 0x20 and < 0x7f => ((char)b).ToString(),
                _ => $"\\x{b:x2} ",
            });
        }
        s.Append("\" (").Append(bytes.Length).Append(" bytes)");
        if (bytes.Length <= 8192) s.Append(" hex ").Append(Convert.ToHexString(bytes));
        return s.ToString();
    }
}
