namespace Mesh.Proxy.Identity;

/// <summary>The token that proves the workload's identity to Certify.</summary>
internal interface IWorkloadToken
{
    ValueTask<string> ReadAsync(CancellationToken ct);
}

/// <summary>A token given in MESH_PROXY_TOKEN, or read from a file each time (Kubernetes rotates projected tokens).</summary>
internal sealed class WorkloadToken(string? token, string? tokenFile) : IWorkloadToken
{
    public async ValueTask<string> ReadAsync(CancellationToken ct)
    {
        if (!string.IsNullOrEmpty(token)) return token;
        if (string.IsNullOrEmpty(tokenFile))
            throw new InvalidOperationException("no workload token: set MESH_PROXY_TOKEN or MESH_PROXY_TOKEN_FILE (get one with `mesh identity token <ns>/<sa>`)");
        try
        {
            return (await File.ReadAllTextAsync(tokenFile, ct)).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"cannot read the workload token file {tokenFile}: {e.Message}", e);
        }
    }
}
