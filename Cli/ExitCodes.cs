namespace Mesh.Cli;

/// <summary>Every exit code the `mesh` command returns. Scripts depend on these; never reuse a number.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>Bad arguments, bad manifests, unknown names, rejected token: the message says what and how to fix it.</summary>
    public const int UserError = 1;

    /// <summary>The silo could not be reached (connection refused, timeout): start it with `./mesh silo`.</summary>
    public const int SiloUnreachable = 2;
}
