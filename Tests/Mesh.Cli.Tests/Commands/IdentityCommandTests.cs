using System.Text.Json.Nodes;
using Mesh.Cli.Tests.Fakes;
using Mesh.Identity.Ca;

namespace Mesh.Cli.Tests.Commands;

public sealed class IdentityCommandTests : FakeSiloTestBase
{
    [Fact]
    public async Task List_Table_ShowsAnchorIssuerAndCertificates()
    {
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities());

        var result = await Cli.RunAsync("identity", "list");

        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = TableText.Lines(result.Out);
        Assert.Equal("Trust domain:  cluster.local", lines[0]);
        Assert.Equal("Trust anchor:  CN=mesh trust anchor cluster.local", lines[1]);
        Assert.Equal("               serial 0A1B, not after 2036-11-23T00:00:00Z, 3650 days left", lines[2]);
        Assert.Equal("Issuer:        CN=mesh issuer cluster.local", lines[3]);
        Assert.Equal("               serial 0C2D, not after 2027-11-25T00:00:00Z, 364 days left", lines[4]);
        var rows = TableText.Rows(string.Join('\n', lines.Skip(5)));
        Assert.Equal(["IDENTITY", "SERIAL", "NOT-AFTER", "LEFT"], rows[0]);
        Assert.Equal(["spiffe://cluster.local/ns/default/sa/books", "77AA", "2026-11-26T00:00:00Z", "23.5h"], rows[1]);
        Assert.Equal(["spiffe://cluster.local/ns/default/sa/web", "88BB", "2026-11-21T00:00:00Z", "expired"], rows[2]);
    }

    [Fact]
    public async Task List_IssuerAndAnchorNearExpiry_WarnsWithAdvice()
    {
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities(anchorDaysLeft: 60, issuerDaysLeft: 12, certificates: "[]"));

        var result = await Cli.RunAsync("identity", "list");

        Assert.Equal(0, result.ExitCode);
        var lines = TableText.Lines(result.Out);
        Assert.Equal("               serial 0A1B, not after 2036-11-23T00:00:00Z, 60 days left: expires soon", lines[2]);
        Assert.StartsWith("               plan an anchor rotation", lines[3]);
        Assert.Equal("               serial 0C2D, not after 2027-11-25T00:00:00Z, 12 days left: expires soon", lines[5]);
        Assert.Equal("               rotate it with: mesh identity rotate-issuer", lines[6]);
        Assert.Contains("No workload certificates issued yet", result.Err);
    }

    [Fact]
    public async Task List_IssuerExpired_SaysExpired()
    {
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities(issuerDaysLeft: -3));

        var result = await Cli.RunAsync("identity", "list");

        Assert.Contains("expired 3 days ago", result.Out);
    }

    [Fact]
    public async Task List_Json_PrintsTheSilosAnswerOnly()
    {
        Admin.Respond("GET", "/api/v1/identities", 200, StatsSamples.Identities());

        var result = await Cli.RunAsync("identity", "list", "-o", "json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Err);
        var json = JsonNode.Parse(result.Out)!;
        Assert.Equal("0C2D", json["issuer"]!["serial"]!.GetValue<string>());
        Assert.Equal(2, json["certificates"]!.AsArray().Count);
    }

    [Fact]
    public async Task List_SiloDown_Exit2()
    {
        Cli.Environment["MESH_ADMIN_ADDR"] = ClosedAddress();

        var result = await Cli.RunAsync("identity", "list");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("cannot reach the silo", result.Err);
    }

    [Fact]
    public async Task Token_Valid_PrintsOnlyTheTokenAndSendsTheIdentity()
    {
        Admin.Respond("POST", "/api/v1/identity/tokens", 200, """{"token":"v1.abc.def","identity":"spiffe://cluster.local/ns/default/sa/books"}""");

        var result = await Cli.RunAsync("identity", "token", "default/books", "--ttl", "2h");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("v1.abc.def\n", result.Out.Replace("\r\n", "\n"));
        var request = Assert.Single(Admin.Requests);
        Assert.Equal("Bearer test-token", request.Authorization);
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("default", body["namespace"]!.GetValue<string>());
        Assert.Equal("books", body["serviceAccount"]!.GetValue<string>());
        Assert.Equal(7200, body["ttlSeconds"]!.GetValue<long>());
    }

    [Fact]
    public async Task Token_NoTtl_LeavesTheSilosDefault()
    {
        Admin.Respond("POST", "/api/v1/identity/tokens", 200, """{"token":"t","identity":"spiffe://cluster.local/ns/store/sa/authors"}""");

        var result = await Cli.RunAsync("identity", "token", "store/authors");

        Assert.Equal(0, result.ExitCode);
        Assert.Null(JsonNode.Parse(Assert.Single(Admin.Requests).Body)!["ttlSeconds"]);
    }

    [Theory]
    [InlineData("books")]
    [InlineData("default/")]
    [InlineData("/books")]
    [InlineData("a/b/c")]
    [InlineData("Default/Books")]
    [InlineData("default/bo oks")]
    public async Task Token_BadIdentity_Exit1WithoutCallingTheSilo(string identity)
    {
        var result = await Cli.RunAsync("identity", "token", identity);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("error:", result.Err);
        Assert.Equal("", result.Out);
        Assert.Empty(Admin.Requests);
    }

    [Theory]
    [InlineData("0h")]
    [InlineData("-5m")]
    [InlineData("24")]
    [InlineData("1w")]
    [InlineData("h")]
    [InlineData("99999999999999999d")]
    public async Task Token_BadTtl_Exit1(string ttl)
    {
        var result = await Cli.RunAsync("identity", "token", "default/books", "--ttl", ttl);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a duration", result.Err);
        Assert.Empty(Admin.Requests);
    }

    [Fact]
    public async Task Token_Unauthorized_Exit1NamingTheToken()
    {
        Admin.RespondProblem("POST", "/api/v1/identity/tokens", 401, """{"title":"Unauthorized","status":401,"detail":"missing or wrong bearer token"}""");

        var result = await Cli.RunAsync("identity", "token", "default/books");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Contains("not authorized", result.Err);
        Assert.Contains("MESH_TOKEN", result.Err);
    }

    [Fact]
    public async Task RotateIssuer_PrintsTheNewIssuer()
    {
        Admin.Respond("POST", "/api/v1/identity/rotate-issuer", 200,
            """{"issuer":{"subject":"CN=mesh issuer cluster.local 2026-11-25T02:00:00Z","serial":"0E3F","notBefore":"2026-11-25T01:59:40Z","notAfter":"2027-11-25T02:00:00Z","daysLeft":365}}""");

        var result = await Cli.RunAsync("identity", "rotate-issuer");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("issuer rotated", result.Out);
        Assert.Contains("serial:     0E3F", result.Out);
        Assert.Contains("not after:  2027-11-25T02:00:00Z (365 days left)", result.Out);
        Assert.Equal("Bearer test-token", Assert.Single(Admin.Requests).Authorization);
    }

    [Fact]
    public async Task RotateIssuer_Unauthorized_Exit1()
    {
        Admin.RespondProblem("POST", "/api/v1/identity/rotate-issuer", 401, """{"title":"Unauthorized","status":401}""");
        Cli.Environment.Remove("MESH_TOKEN");

        var result = await Cli.RunAsync("identity", "rotate-issuer");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no token was sent", result.Err);
    }

    [Fact]
    public async Task Init_EmptyDataDir_CreatesCaWithPrivateKeysOwnerOnly()
    {
        var dataDir = Path.Combine(Cli.DataDirectory, "fresh");

        var result = await Cli.RunAsync("identity", "init", "--data-dir", dataDir, "--trust-domain", "example.org");

        Assert.True(result.ExitCode == 0, result.ToString());
        var caDir = Path.Combine(dataDir, "ca");
        foreach (var file in new[] { CertificateAuthority.AnchorCertFile, CertificateAuthority.AnchorKeyFile, CertificateAuthority.IssuerCertFile, CertificateAuthority.IssuerKeyFile })
            Assert.True(File.Exists(Path.Combine(caDir, file)), file);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(caDir, CertificateAuthority.AnchorKeyFile)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(caDir, CertificateAuthority.IssuerKeyFile)));
        }
        var loaded = CertificateAuthority.Load(caDir, "example.org");
        Assert.Contains("example.org", loaded.Anchor.Subject);
        var bundle = TrustBundle.Load(Path.Combine(dataDir, "trust-anchors.pem"));
        Assert.Equal(loaded.Anchor.Thumbprint, Assert.Single(bundle.Anchors).Thumbprint);
        Assert.Contains($"created the mesh CA for trust domain example.org in {caDir}", result.Out);
    }

    [Fact]
    public async Task Init_DefaultDataDir_UsesMeshDataDir()
    {
        var result = await Cli.RunAsync("identity", "init");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True(File.Exists(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.IssuerKeyFile)));
        Assert.True(File.Exists(Path.Combine(Cli.DataDirectory, "trust-anchors.pem")));
    }

    [Fact]
    public async Task Init_ExistingCa_RefusesAndKeepsIt()
    {
        Assert.Equal(0, (await Cli.RunAsync("identity", "init")).ExitCode);
        var anchor = File.ReadAllText(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.AnchorCertFile));

        var again = await Cli.RunAsync("identity", "init");

        Assert.Equal(1, again.ExitCode);
        Assert.Contains("a CA already exists", again.Err);
        Assert.Contains("--force", again.Err);
        Assert.Equal(anchor, File.ReadAllText(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.AnchorCertFile)));
    }

    [Fact]
    public async Task Init_ExistingCaWithForce_ReplacesIt()
    {
        Assert.Equal(0, (await Cli.RunAsync("identity", "init")).ExitCode);
        var anchor = File.ReadAllText(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.AnchorCertFile));

        var forced = await Cli.RunAsync("identity", "init", "--force");

        Assert.True(forced.ExitCode == 0, forced.ToString());
        Assert.Contains("replaced the mesh CA", forced.Out);
        var replaced = File.ReadAllText(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.AnchorCertFile));
        Assert.NotEqual(anchor, replaced);
        Assert.Equal(replaced.Trim(), File.ReadAllText(Path.Combine(Cli.DataDirectory, "trust-anchors.pem")).Trim());
    }

    [Theory]
    [InlineData("Example.org")]
    [InlineData("bad/domain")]
    [InlineData("spaces here")]
    public async Task Init_BadTrustDomain_Exit1AndWritesNothing(string trustDomain)
    {
        var dataDir = Path.Combine(Cli.DataDirectory, "bad");

        var result = await Cli.RunAsync("identity", "init", "--data-dir", dataDir, "--trust-domain", trustDomain);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a trust domain", result.Err);
        Assert.False(Directory.Exists(dataDir));
    }

    /// <summary>A shared anchor as `mesh identity init` leaves it in another data dir: (cert path, key path).</summary>
    private async Task<(string Cert, string Key)> SharedAnchorAsync()
    {
        var anchorDir = Path.Combine(Cli.DataDirectory, "anchor");
        Assert.Equal(0, (await Cli.RunAsync("identity", "init", "--data-dir", anchorDir, "--trust-domain", "anchor.mesh")).ExitCode);
        return (Path.Combine(anchorDir, "ca", CertificateAuthority.AnchorCertFile), Path.Combine(anchorDir, "ca", CertificateAuthority.AnchorKeyFile));
    }

    [Fact]
    public async Task Issuer_FromSharedAnchor_TwoClustersShareTheAnchorWithTheirOwnTrustDomains()
    {
        var (cert, key) = await SharedAnchorAsync();
        var east = Path.Combine(Cli.DataDirectory, "east");
        var west = Path.Combine(Cli.DataDirectory, "west");

        var e = await Cli.RunAsync("identity", "issuer", "--anchor-cert", cert, "--anchor-key", key, "--trust-domain", "east.mesh", "--data-dir", east);
        var w = await Cli.RunAsync("identity", "issuer", "--anchor-cert", cert, "--anchor-key", key, "--trust-domain", "west.mesh", "--data-dir", west);

        Assert.True(e.ExitCode == 0, e.ToString());
        Assert.True(w.ExitCode == 0, w.ToString());
        Assert.Contains($"created the issuer for trust domain west.mesh in {Path.Combine(west, "ca")}", w.Out);
        Assert.Contains("MESH_TRUST_DOMAIN=west.mesh", w.Err);
        var eastCa = CertificateAuthority.Load(Path.Combine(east, "ca"), "east.mesh");
        var westCa = CertificateAuthority.Load(Path.Combine(west, "ca"), "west.mesh");
        Assert.Equal(eastCa.Anchor.Thumbprint, westCa.Anchor.Thumbprint);
        Assert.NotEqual(eastCa.Issuer.Thumbprint, westCa.Issuer.Thumbprint);
        Assert.False(File.Exists(Path.Combine(west, "ca", CertificateAuthority.AnchorKeyFile)), "the anchor key must stay with the operator");
        Assert.Equal(westCa.Anchor.Thumbprint, Assert.Single(TrustBundle.Load(Path.Combine(west, "trust-anchors.pem")).Anchors).Thumbprint);
    }

    [Fact]
    public async Task Issuer_ExistingCa_RefusesAndKeepsIt()
    {
        var (cert, key) = await SharedAnchorAsync();
        Assert.Equal(0, (await Cli.RunAsync("identity", "init")).ExitCode);
        var issuer = File.ReadAllText(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.IssuerCertFile));

        var result = await Cli.RunAsync("identity", "issuer", "--anchor-cert", cert, "--anchor-key", key, "--trust-domain", "west.mesh");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("a CA already exists", result.Err);
        Assert.Equal(issuer, File.ReadAllText(Path.Combine(Cli.DataDirectory, "ca", CertificateAuthority.IssuerCertFile)));
    }

    [Fact]
    public async Task Issuer_KeyOfAnotherCertificate_Exit1AndWritesNothing()
    {
        var (cert, _) = await SharedAnchorAsync();
        var otherDir = Path.Combine(Cli.DataDirectory, "other");
        Assert.Equal(0, (await Cli.RunAsync("identity", "init", "--data-dir", otherDir)).ExitCode);
        var target = Path.Combine(Cli.DataDirectory, "west");

        var result = await Cli.RunAsync("identity", "issuer", "--anchor-cert", cert, "--anchor-key", Path.Combine(otherDir, "ca", CertificateAuthority.AnchorKeyFile),
            "--trust-domain", "west.mesh", "--data-dir", target);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--anchor-key", result.Err);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task Issuer_MissingAnchorFile_Exit1NamingTheOption()
    {
        await SharedAnchorAsync();
        var ca = Path.Combine(Cli.DataDirectory, "anchor", "ca");
        var target = Path.Combine(Cli.DataDirectory, "west");
        var missing = await Cli.RunAsync("identity", "issuer", "--anchor-cert", Path.Combine(ca, "nope.crt"), "--anchor-key", Path.Combine(ca, CertificateAuthority.AnchorKeyFile),
            "--trust-domain", "west.mesh", "--data-dir", target);
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--anchor-cert", missing.Err);
        Assert.Contains("no such file", missing.Err);
        Assert.False(Directory.Exists(target));
    }

    [Theory]
    [InlineData("West.mesh")]
    [InlineData("bad/domain")]
    public async Task Issuer_BadTrustDomain_Exit1AndWritesNothing(string trustDomain)
    {
        var (cert, key) = await SharedAnchorAsync();
        var target = Path.Combine(Cli.DataDirectory, "west");
        var result = await Cli.RunAsync("identity", "issuer", "--anchor-cert", cert, "--anchor-key", key, "--trust-domain", trustDomain, "--data-dir", target);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not a trust domain", result.Err);
        Assert.False(Directory.Exists(target));
    }
}
