namespace Mesh.Cli.Connection;

/// <summary>The silo did not answer at <paramref name="address"/> (refused, reset, timed out): exit code 2.</summary>
internal sealed class SiloUnreachableException(string address, string? reason = null)
    : CliException(
        $"cannot reach the silo at {address} (is it running? start it with ./mesh silo)",
        ExitCodes.SiloUnreachable,
        $"{(reason is null ? "" : reason + "; ")}if the silo runs elsewhere, set MESH_ADMIN_ADDR / MESH_CONTROL_ADDR, or MESH_DATA_DIR to the data dir it uses")
{
    public string Address { get; } = address;
}
