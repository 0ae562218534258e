namespace Mesh.Cli.Commands;

/// <summary>How one check of `mesh check` came out.</summary>
internal enum CheckStatus
{
    /// <summary>Passed.</summary>
    Ok,

    /// <summary>Passed, but will fail unless someone acts (a certificate close to expiry); the exit code stays 0.</summary>
    Warn,

    /// <summary>Failed: the fix says what to do; the exit code is 1 (2 when the silo is unreachable).</summary>
    Fail,
}

/// <summary>One line of `mesh check`: what was checked, how it came out, what was seen and how to fix a failure.</summary>
internal sealed record CheckResult(string Category, string Name, CheckStatus Status, string? Detail = null, string? Fix = null);
