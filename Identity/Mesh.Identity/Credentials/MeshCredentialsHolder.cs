namespace Mesh.Identity.Credentials;

/// <summary>
/// The current credentials, swapped whole. Threading rule: readers take <see cref="Current"/> once at the start of a
/// handshake and use that snapshot; <see cref="Update"/> is one atomic reference swap, so live connections are untouched
/// and only later handshakes see the new certificate.
/// </summary>
public sealed class MeshCredentialsHolder
{
    private MeshCredentials? _current;

    public MeshCredentialsHolder(MeshCredentials? initial = null) => _current = initial;

    /// <summary>The newest credentials, or null before the first certificate arrived.</summary>
    public MeshCredentials? Current => Volatile.Read(ref _current);

    /// <summary>Raised after a swap, with the new credentials.</summary>
    public event Action<MeshCredentials>? Changed;

    /// <summary>Makes <paramref name="credentials"/> the ones new handshakes use.</summary>
    public void Update(MeshCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        Volatile.Write(ref _current, credentials);
        Changed?.Invoke(credentials);
    }
}
