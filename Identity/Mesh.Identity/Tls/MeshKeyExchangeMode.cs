namespace Mesh.Identity.Tls;

/// <summary>Which key-exchange groups a peer offers; the groups themselves are in <see cref="MeshCrypto"/>.</summary>
public enum MeshKeyExchangeMode
{
    /// <summary>X25519MLKEM768 preferred, X25519 accepted (the default).</summary>
    Hybrid,

    /// <summary>X25519MLKEM768 only: classical-only peers cannot connect.</summary>
    StrictPostQuantum,

    /// <summary>X25519 only: behaves like a peer without post-quantum support (interop tests, benchmarks).</summary>
    ClassicalOnly,
}
