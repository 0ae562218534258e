namespace Mesh.Cli.Tests.Fakes;

/// <summary>Canned answers of the silo's identity and stats APIs, in the shapes Silo/Identity/IdentityEndpoints.cs and
/// Silo/Telemetry/StatsApi.cs write (camelCase; successRate 0..1, mtlsPercent 0..100, latencies in ms, null = no data).</summary>
internal static class StatsSamples
{
    public static string Identities(double anchorDaysLeft = 3650, double issuerDaysLeft = 364, string certificates = DefaultCertificates) => $$"""
        {"trustDomain":"cluster.local",
         "anchors":[{"subject":"CN=mesh trust anchor cluster.local","serial":"0A1B","notBefore":"2026-11-25T00:00:00Z","notAfter":"2036-11-23T00:00:00Z","daysLeft":{{anchorDaysLeft}}}],
         "issuer":{"subject":"CN=mesh issuer cluster.local","serial":"0C2D","notBefore":"2026-11-25T00:00:00Z","notAfter":"2027-11-25T00:00:00.1234567Z","daysLeft":{{issuerDaysLeft}}},
         "certificates":{{certificates}}}
        """;

    public const string DefaultCertificates = """
        [{"identity":"spiffe://cluster.local/ns/default/sa/books","serial":"77AA","notBefore":"2026-11-25T00:00:00Z","notAfter":"2026-11-26T00:00:00Z","expired":false,"hoursLeft":23.5},
         {"identity":"spiffe://cluster.local/ns/default/sa/web","serial":"88BB","notBefore":"2026-11-20T00:00:00Z","notAfter":"2026-11-21T00:00:00Z","expired":true,"hoursLeft":-96}]
        """;

    public const string Services = """
        [{"namespace":"default","name":"web","meshed":true,"successRate":0.995,"rps":12.34,"latencyP50Ms":3.2,"latencyP95Ms":18.4,"latencyP99Ms":45.6,"tcpConnections":4,"mtlsPercent":100,"requests":740},
         {"namespace":"default","name":"books","meshed":false,"successRate":null,"rps":0,"latencyP50Ms":null,"latencyP95Ms":null,"latencyP99Ms":null,"tcpConnections":0,"mtlsPercent":null,"requests":0}]
        """;

    public const string Edges = """
        [{"src":"","srcIdentity":"","dst":"default/web","dstIdentity":"spiffe://cluster.local/ns/default/sa/web","mtls":false,"mtlsPercent":0,"rps":1.5,"successRate":1,"requests":90,"latencyP50Ms":2,"latencyP99Ms":9},
         {"src":"default/web","srcIdentity":"spiffe://cluster.local/ns/default/sa/web","dst":"default/books","dstIdentity":"spiffe://cluster.local/ns/default/sa/books","mtls":true,"mtlsPercent":100,"rps":3,"successRate":0.98,"requests":180,"latencyP50Ms":4,"latencyP99Ms":30}]
        """;

    public const string Routes = """
        {"namespace":"default","name":"books","window":"1m",
         "routes":[{"name":"books-split","requests":120,"rps":2,"successRate":0.975,"latencyP50Ms":5,"latencyP95Ms":20,"latencyP99Ms":80.4},
                   {"name":"[default]","requests":0,"rps":0,"successRate":null,"latencyP50Ms":null,"latencyP95Ms":null,"latencyP99Ms":null}],
         "backends":[{"name":"books-v1","requests":108,"rps":1.8,"successRate":1,"latencyP50Ms":4,"latencyP95Ms":15,"latencyP99Ms":40},
                     {"name":"books-v2","requests":12,"rps":0.2,"successRate":0.75,"latencyP50Ms":9.5,"latencyP95Ms":60,"latencyP99Ms":90}]}
        """;

    public const string Top = """
        [{"namespace":"default","service":"books","path":"/books/1","requests":300,"rps":30,"successRate":1,"latencyP50Ms":2.5,"latencyP99Ms":12},
         {"namespace":"default","service":"authors","path":"/authors","requests":50,"rps":5,"successRate":0.9,"latencyP50Ms":7,"latencyP99Ms":31}]
        """;

    /// <summary>A proxy row of `GET /api/v1/proxies`.</summary>
    public static string Proxy(string id = "myhost-4242", bool discoveryConnected = true, long? certRemainingSeconds = 80000, long lastReportAgeMs = 1200,
        long clockSkewMs = 40, string problems = "[]", string workload = "web-1", string served = "[]") => $$"""
        {"proxyId":"{{id}}","namespace":"default","workload":"{{workload}}","identity":"spiffe://cluster.local/ns/default/sa/web","version":"0.1.0",
         "services":["default/web"],"lastReportUnixMs":1764000000000,"lastReportAgeMs":{{lastReportAgeMs}},"intervalMs":5000,
         "certNotAfterUnixMs":1764086400000,"certRemainingSeconds":{{(certRemainingSeconds is { } s ? s.ToString() : "null")}},
         "discoveryConnected":{{(discoveryConnected ? "true" : "false")}},"clockSkewMs":{{clockSkewMs}},"problems":{{problems}},
         "served":{{served}},"inboundPolicyVersion":0}
        """;

    /// <summary>A served-version entry of a proxy row (GET /api/v1/proxies).</summary>
    public static string Served(string service = "books", long endpoints = 3, long profile = 2, bool exists = true) => $$"""
        {"authority":"{{service}}.default:8080","canonicalAuthority":"{{service}}.default.svc.cluster.local:8080","exists":{{(exists ? "true" : "false")}},
         "endpointsVersion":{{endpoints}},"profileVersion":{{profile}},"connected":true}
        """;

    /// <summary>GET /api/v1/services/default/{name}: the silo's views with their versions.</summary>
    public static string ServiceViews(long endpoints, long profile) =>
        $$$"""{"resource":null,"service":{"version":1,"value":{}},"endpoints":{"version":{{{endpoints}}},"value":{} },"profile":{"version":{{{profile}}},"value":{} },"consumerRoutes":[] }""";

    public const string Info = """{"version":"0.1.0","trustDomain":"cluster.local","clusterId":"mesh","siloAddress":"S127.0.0.1:11111:1","storage":"memory","uptimeSeconds":12.5}""";
}
