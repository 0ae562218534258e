using System.Text;
using Mesh.Fuzz.Tests.Abstractions.Resources;
using Mesh.Fuzz.Tests.Proxy.Configuration;
using Mesh.Fuzz.Tests.Proxy.Hosting;
using Mesh.Fuzz.Tests.Silo.Admin;
using Mesh.Fuzz.Tests.Names;
using Mesh.Fuzz.Tests.Silo.Telemetry;
using Mesh.Fuzz.Tests.Identity.Ca;
using Mesh.Fuzz.Tests.Identity.Tls;

namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>The same oracles with one byte array each, for a coverage-guided fuzzer (bench/fuzz, SharpFuzz + afl++): the
/// extra inputs the CsCheck tests generate (namespace, segment cuts, flags, a split point) are read from the bytes.</summary>
internal static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["resource-text"] = b => ResourceTextTarget.Check(b),
        ["admin-apply"] = b => ApplyBodyFuzzTests.Check(b, "default"),
        ["certify-csr"] = CertifyRequestFuzzTests.CheckCsr,
        ["certify-identity"] = CertifyRequestFuzzTests.CheckIdentity,
        ["stats-report-wire"] = StatsReportFuzzTests.CheckWire,
        ["service-authority"] = b => ServiceAuthorityFuzzTests.Check(b, "default"),
        // First byte: the listener's flags (accept opaque / CONNECT / only HTTP) and where to cut the rest in two.
        ["transport-heads"] = b => ProtocolDetectionFuzzTests.Check(b.Length > 0 ? b[1..] : b, [b.Length > 0 ? b[0] >> 3 : 0],
            [b.Length > 0 && (b[0] & 1) != 0, b.Length > 0 && (b[0] & 2) != 0, b.Length > 0 && (b[0] & 4) != 0]),
        ["tls-server-handshake"] = b => ServerHandshakeFuzzTests.Accept(b, b.Length / 2),
        // Arguments separated by NUL bytes; no environment.
        ["proxy-settings"] = b => SettingsParserFuzzTests.Check(Encoding.UTF8.GetString(b).Split('\0'), new Dictionary<string, string>()),
    };

    /// <summary>Seed inputs for a target, in the byte form <see cref="All"/> reads (an afl++ input directory).</summary>
    public static IEnumerable<byte[]> Seeds(string target) => target switch
    {
        "resource-text" or "admin-apply" => Corpus.Load("resources", "testdata"),
        "certify-csr" => CertifyRequestFuzzTests.CsrSeeds(),
        "certify-identity" => Mutator.Tokens("spiffe://cluster.local/ns/default/sa/books", "spiffe://td/ns/x/sa/y/z"),
        "stats-report-wire" => StatsReportFuzzTests.WireSeeds(),
        "service-authority" => Corpus.Load("authorities").SelectMany(f => Encoding.UTF8.GetString(f).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .Select(Encoding.UTF8.GetBytes),
        "transport-heads" => ProtocolDetectionFuzzTests.Seeds().SelectMany(s => new[] { (byte[])[0x01, .. s], [0x02, .. s] }),
        "tls-server-handshake" => ServerHandshakeFuzzTests.Seeds.Value,
        "proxy-settings" => Mutator.Tokens("--namespace\0books\0--opaque-ports\08000-8010", "gateway\0--trust-anchors=/x", "--detect-timeout=10s"),
        _ => throw new ArgumentException($"unknown target '{target}'; known: {string.Join(", ", All.Keys)}", nameof(target)),
    };
}
