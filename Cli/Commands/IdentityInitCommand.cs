using System.CommandLine;
using Mesh.Identity.Ca;
using Mesh.Names;

namespace Mesh.Cli.Commands;

/// <summary>`mesh identity init`: creates the mesh CA (trust anchor + issuer) offline in &lt;data-dir&gt;/ca and the
/// trust bundle proxies are given (&lt;data-dir&gt;/trust-anchors.pem), where a local silo loads them on start.
/// Never replaces an existing CA unless told to: every certificate it issued would stop validating.</summary>
internal static class IdentityInitCommand
{
    public const string CaDirectoryName = "ca";
    public const string TrustAnchorsFileName = "trust-anchors.pem";

    public static Command Create(CliContext context)
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data dir of the silo (default: MESH_DATA_DIR or ~/.mesh)", HelpName = "dir" };
        var trustDomain = new Option<string?>("--trust-domain") { Description = "Trust domain of the identities (default: MESH_TRUST_DOMAIN or cluster.local)", HelpName = "name" };
        var force = new Option<bool>("--force") { Description = "Replace an existing CA (certificates it issued stop validating)" };
        trustDomain.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } td && !IsValidTrustDomain(td))
                result.AddError($"--trust-domain '{td}' is not a trust domain: use lowercase letters, digits, '-' and '.' (e.g. cluster.local)");
        });
        var command = new Command("init", "Create the mesh CA (trust anchor and issuer) offline in the data dir") { dataDir, trustDomain, force };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => Task.FromResult(Run(
            context, parse.GetValue(dataDir), parse.GetValue(trustDomain), parse.GetValue(force))), ct));
        return command;
    }

    private static int Run(CliContext context, string? dataDirOption, string? trustDomainOption, bool force)
    {
        var dataDir = Path.GetFullPath(NonEmpty(dataDirOption) ?? NonEmpty(context.GetEnvironmentVariable("MESH_DATA_DIR")) ?? Path.Combine(context.HomeDirectory, ".mesh"));
        var trustDomain = NonEmpty(trustDomainOption) ?? NonEmpty(context.GetEnvironmentVariable("MESH_TRUST_DOMAIN")) ?? SpiffeId.DefaultTrustDomain;
        if (!IsValidTrustDomain(trustDomain))
            throw new CliException($"MESH_TRUST_DOMAIN '{trustDomain}' is not a trust domain", hint: "use lowercase letters, digits, '-' and '.', e.g. cluster.local");

        var caDir = Path.Combine(dataDir, CaDirectoryName);
        var existing = new[] { CertificateAuthority.AnchorCertFile, CertificateAuthority.AnchorKeyFile, CertificateAuthority.IssuerCertFile, CertificateAuthority.IssuerKeyFile }
            .Where(f => File.Exists(Path.Combine(caDir, f)))
            .ToList();
        if (existing.Count > 0 && !force)
        {
            throw new CliException(
                $"a CA already exists in {caDir} ({string.Join(", ", existing)}); not replacing it",
                hint: "replacing the trust anchor invalidates every certificate it issued; to roll only the issuer use: mesh identity rotate-issuer; to start over anyway add --force");
        }

        CertificateAuthority ca;
        try
        {
            ca = CertificateAuthority.Create(trustDomain);
            ca.Save(caDir);
            ca.TrustBundle.Save(Path.Combine(dataDir, TrustAnchorsFileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the CA to {caDir}: {e.Message}", hint: "choose a writable directory with --data-dir");
        }

        var output = context.Console.Out;
        output.WriteLine($"{(existing.Count > 0 ? "replaced" : "created")} the mesh CA for trust domain {trustDomain} in {caDir}");
        output.WriteLine($"  trust anchor: {ca.Anchor.Subject}, not after {ca.Anchor.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}");
        output.WriteLine($"  issuer:       {ca.Issuer.Subject}, not after {ca.Issuer.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}");
        output.WriteLine($"  trust bundle: {Path.Combine(dataDir, TrustAnchorsFileName)} (give it to proxies)");
        if (existing.Count > 0)
            context.Console.Note("a silo already running on this data dir keeps its old CA until restarted");
        return ExitCodes.Ok;
    }

    internal static bool IsValidTrustDomain(string trustDomain)
    {
        try
        {
            SpiffeId.Create(trustDomain, "ns", "sa");
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
