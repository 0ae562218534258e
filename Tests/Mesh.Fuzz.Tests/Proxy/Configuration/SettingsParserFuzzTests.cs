using System.Collections;
using CsCheck;
using Mesh.Fuzz.Tests.Fuzzing;
using Mesh.Proxy.Configuration;
using Xunit.Abstractions;

namespace Mesh.Fuzz.Tests.Proxy.Configuration;

/// <summary>The proxy's settings (flags and MESH_PROXY_* variables): a bad value is a FormatException naming the setting,
/// anything else thrown is a bug.</summary>
public sealed class SettingsParserFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Names = [.. SettingsParser.Known.Select(k => k.Name)];

    private static readonly Gen<string> Values = Gen.OneOf(
        Gen.OneOf("", " ", "0", "1", "-1", "65535", "65536", "4294967296", "true", "TRUE", "yes", "127.0.0.1:4140", "0.0.0.0:0",
            "[::1]:4140", "::1", "127.0.0.1", "127.0.0.1:", ":80", "https://127.0.0.1:8086", "http://[::1]:8086", "http://", "unix:/x",
            "10s", "500ms", "1m", "2h", "0s", "-1s", "1e9s", "99999999999ms", "8000-8010", "8010-8000", "1,2,,3", "0-65535", "80-",
            "10.0.0.0/8", "10.0.0.0/33", "::/0", "deny", "all-authenticated", "warning", "Trace", "books,authors", "a.b.c:80",
            "\u0000", "\u00e9", new string('9', 400)),
        Gen.String[0, 30]);

    private static readonly Gen<string> Args = Gen.OneOf(
        Gen.Int[0, Names.Length - 1].Select(i => "--" + Names[i]),
        Gen.Int[0, Names.Length - 1].Select(Values, (i, v) => $"--{Names[i]}={v}"),
        Values, Gen.OneOf("sidecar", "gateway", "init", "--", "-", "--help", "--=x", "--unknown"));

    private static readonly Gen<Dictionary<string, string>> Environments =
        Gen.Select(Gen.Int[0, Names.Length - 1], Values, (i, v) => ("MESH_PROXY_" + Names[i].Replace('-', '_').ToUpperInvariant(), v))
            .Array[0, 4].Select(Gen.OneOf<string?>(null, "http://127.0.0.1:8086", "x"), Gen.OneOf<string?>(null, "http://127.0.0.1:4317", "::"),
                (pairs, control, otlp) =>
                {
                    var env = pairs.GroupBy(p => p.Item1).ToDictionary(g => g.Key, g => g.Last().Item2);
                    if (control is not null) env["MESH_CONTROL_ADDR"] = control;
                    if (otlp is not null) env["OTEL_EXPORTER_OTLP_ENDPOINT"] = otlp;
                    return env;
                });

    [Fact]
    public void Parse_GeneratedFlagsAndEnvironment_SettingsOrFormatException()
    {
        FuzzRun.Run(output, "proxy-settings", Gen.Select(Args.Array[0, 8], Environments), c => Check(c.Item1, c.Item2), ciCases: 3000, print: c => $"args [{string.Join(" ", c.Item1.Select(a => $"\"{a}\""))}] env {{{string.Join(", ", c.Item2.Select(p => $"{p.Key}={p.Value}"))}}}");
    }

    internal static void Check(IReadOnlyList<string> args, IDictionary<string, string> environment)
    {
        try
        {
            SettingsParser.Parse(args, new Hashtable((IDictionary)environment));
        }
        catch (FormatException e) when (e.Message.Length > 0)
        {
            // A bad setting, named in the message.
        }
    }
}
