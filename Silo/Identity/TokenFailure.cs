namespace Mesh.Silo.Identity;

/// <summary>Why a workload token was refused; <see cref="IdentityService"/> maps each to its gRPC status.</summary>
internal enum TokenFailure
{
    /// <summary>The token is missing, malformed, forged, expired or for another audience → Unauthenticated.</summary>
    Unauthenticated,

    /// <summary>The token is valid but does not name a workload (a user's token) → PermissionDenied.</summary>
    NotAWorkload,

    /// <summary>The token could not be checked (TokenReview failed or timed out); never read as "accept" → Unavailable.</summary>
    Unavailable,
}
