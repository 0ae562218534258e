using System.CommandLine;
using System.Security.Cryptography;
using Mesh.Identity.Ca;

namespace Mesh.Cli.Commands;

/// <summary>`mesh identity issuer --anchor-cert A --anchor-key K --trust-domain west.mesh`: one cluster of several that
/// share a trust anchor gets its own issuer and trust domain, written to &lt;data-dir&gt;/ca (the anchor's certificate
/// only: its key stays where the operator keeps it) with the trust bundle, where a local silo loads them on start.
/// Peers under the same anchor then verify each other, and the issuer can mint only its own trust domain.</summary>
internal static class IdentityIssuerCommand
{
    public static Command Create(CliContext context)
    {
        var anchorCert = new Option<string>("--anchor-cert") { Description = "PEM certificate of the shared trust anchor", HelpName = "file", Required = true };
        var anchorKey = new Option<string>("--anchor-key") { Description = "PEM private key of the shared trust anchor (read, never copied)", HelpName = "file", Required = true };
        var trustDomain = new Option<string>("--trust-domain") { Description = "Trust domain of this cluster's identities, e.g. west.mesh", HelpName = "name", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data dir of the silo (default: MESH_DATA_DIR or ~/.mesh)", HelpName = "dir" };
        var force = new Option<bool>("--force") { Description = "Replace an existing CA (certificates it issued stop validating unless it had the same anchor)" };
        trustDomain.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is { } td && !IdentityInitCommand.IsValidTrustDomain(td))
                result.AddError($"--trust-domain '{td}' is not a trust domain: use lowercase letters, digits, '-' and '.' (e.g. west.mesh)");
        });
        var command = new Command("issuer", "Create this cluster's issuer from an existing trust anchor (multi-cluster: one anchor, a trust domain per cluster)")
        {
            anchorCert, anchorKey, trustDomain, dataDir, force,
        };
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, () => Task.FromResult(Run(context,
            parse.GetValue(anchorCert)!, parse.GetValue(anchorKey)!, parse.GetValue(trustDomain)!, parse.GetValue(dataDir), parse.GetValue(force))), ct));
        return command;
    }

    private static int Run(CliContext context, string certPath, string keyPath, string trustDomain, string? dataDirOption, bool force)
    {
        var dataDir = Path.GetFullPath(NonEmpty(dataDirOption) ?? NonEmpty(context.GetEnvironmentVariable("MESH_DATA_DIR")) ?? Path.Combine(context.HomeDirectory, ".mesh"));
        var caDir = Path.Combine(dataDir, IdentityInitCommand.CaDirectoryName);
        var existing = new[] { CertificateAuthority.AnchorCertFile, CertificateAuthority.AnchorKeyFile, CertificateAuthority.IssuerCertFile, CertificateAuthority.IssuerKeyFile }
            .Where(f => File.Exists(Path.Combine(caDir, f)))
            .ToList();
        if (existing.Count > 0 && !force)
            throw new CliException($"a CA already exists in {caDir} ({string.Join(", ", existing)}); not replacing it",
                hint: "certificates it issued stop validating unless it shares this anchor; to replace it anyway add --force");

        CertificateAuthority ca;
        using (var anchor = LoadAnchor(certPath, keyPath))
        {
            try { ca = CertificateAuthority.FromAnchor(anchor, trustDomain); }
            catch (ArgumentException e) { throw new CliException($"--anchor-cert {certPath}: {e.Message.Split(" (Parameter")[0]}", hint: "give the shared trust anchor (a CA certificate) and its key"); }
        }
        try
        {
            // Replacing: the old anchor key must not stay next to an issuer that no longer belongs to it.
            if (File.Exists(Path.Combine(caDir, CertificateAuthority.AnchorKeyFile))) File.Delete(Path.Combine(caDir, CertificateAuthority.AnchorKeyFile));
            ca.Save(caDir);
            ca.TrustBundle.Save(Path.Combine(dataDir, IdentityInitCommand.TrustAnchorsFileName));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot write the CA to {caDir}: {e.Message}", hint: "choose a writable directory with --data-dir");
        }

        var output = context.Console.Out;
        output.WriteLine($"{(existing.Count > 0 ? "replaced" : "created")} the issuer for trust domain {trustDomain} in {caDir}");
        output.WriteLine($"  trust anchor: {ca.Anchor.Subject} (shared; its key was not copied), SHA-256 {Convert.ToHexString(SHA256.HashData(ca.Anchor.RawData))}");
        output.WriteLine($"  issuer:       {ca.Issuer.Subject}, not after {ca.Issuer.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}");
        output.WriteLine($"  trust bundle: {Path.Combine(dataDir, IdentityInitCommand.TrustAnchorsFileName)} (give it to proxies)");
        context.Console.Note($"start the silo with MESH_TRUST_DOMAIN={trustDomain}; rotating this issuer later needs the anchor key, which stays with you");
        return ExitCodes.Ok;
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 LoadAnchor(string certPath, string keyPath)
    {
        foreach (var (path, option) in new[] { (certPath, "--anchor-cert"), (keyPath, "--anchor-key") })
            if (!File.Exists(path)) throw new CliException($"{option} {path}: no such file");
        try
        {
            return PemFiles.LoadCertificate(certPath, keyPath);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw new CliException($"--anchor-cert {certPath} with --anchor-key {keyPath}: {e.Message}",
                hint: "both must be PEM, and the key must be the certificate's (the trust anchor's trust-anchor.crt and trust-anchor.key)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"cannot read the trust anchor: {e.Message}");
        }
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
