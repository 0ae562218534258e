using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Testing.KubeApi;

/// <summary>How a <see cref="FakeKubeApi"/> starts: its bookmark cadence, the seams, and where its request log goes.</summary>
public sealed class FakeKubeApiOptions
{
    /// <summary>How often an open watch that asked for bookmarks gets one (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    public IKubeAuthorizer Authorizer { get; init; } = new AllowAllAuthorizer();

    public IReadOnlyList<IAdmissionHook> Admission { get; init; } = [];

    /// <summary>Receives one line per request (method, path, query, content type); null keeps them in memory only.</summary>
    public Action<string>? Log { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
