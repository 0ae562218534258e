using Mesh.Testing.KubeApi.Seams;

namespace Mesh.Testing.KubeApi;

/// <summary>How a <see cref="FakeKubeApi"/> starts: its bookmark cadence, the seams, and where its request log goes.</summary>
public sealed class FakeKubeApiOptions
{
    /// <summary>How often an open watch that asked for bookmarks gets one (the real server: about a minute).</summary>
    public TimeSpan BookmarkInterval { get; init; } = TimeSpan.FromSeconds(1);

    public IKubeAuthorizer Authorizer { get; init; } = new AllowAllAuthorizer();

    public IReadOnlyList<IAdmissionHook> Admission { get; init; } = [];

    /// <summary>Where a webhook's <c>clientConfig.service</c> (namespace, name, port) is reached, as "host:port"; null =
    /// unreachable. The fake runs no Services: tests map the injector Service to the silo's webhook listener.</summary>
    public Func<string, string, int, string?> WebhookServices { get; init; } = (_, _, _) => null;

    /// <summary>Receives one line per request (method, path, query, content type); null keeps them in memory only.</summary>
    public Action<string>? Log { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}
