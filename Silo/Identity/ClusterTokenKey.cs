using StackExchange.Redis;

namespace Mesh.Silo.Identity;

/// <summary>The workload-token key of a multi-silo cluster, kept once in the cluster's Redis so a token minted on one
/// silo verifies on every other (a proxy that reconnects to another silo can re-certify). First writer wins: a
/// silo offers its own key (the one in its data dir, so tokens it already issued keep working when it is the first) with
/// SET NX and then uses whatever Redis holds. The key is never logged. Whoever can read this Redis can mint workload
/// tokens — as they can already rewrite every resource in the grain state kept there: secure Redis as the cluster.</summary>
internal static class ClusterTokenKey
{
    public static string RedisKey(string serviceId, string clusterId) => $"mesh/{serviceId}/{clusterId}/identity/token-key";

    /// <summary>The cluster's key: the one already in Redis, or <paramref name="offered"/> if this silo is the first.</summary>
    public static byte[] Agree(IDatabase redis, string key, byte[] offered)
    {
        redis.StringSet(key, offered, when: When.NotExists);
        var stored = (byte[]?)redis.StringGet(key);
        if (stored is not { Length: >= 32 })
            throw new InvalidOperationException($"the cluster's workload-token key in Redis ({key}) is {(stored is null ? "missing" : $"{stored.Length} bytes")}, expected 32; delete it so the next silo writes a new one (tokens issued so far stop working)");
        return stored;
    }

    /// <summary>Connects to <paramref name="redis"/> (host:port) and agrees on the key; a Redis that cannot be reached is a
    /// start failure naming it.</summary>
    public static byte[] LoadOrCreate(string redis, string serviceId, string clusterId, string localKeyPath)
    {
        var offered = LocalTokenIssuer.LoadOrCreateKey(localKeyPath);
        try
        {
            using var connection = ConnectionMultiplexer.Connect(ConfigurationOptions.Parse(redis));
            return Agree(connection.GetDatabase(), RedisKey(serviceId, clusterId), offered);
        }
        catch (RedisException e)
        {
            throw new InvalidOperationException($"cannot read the cluster's workload-token key from Redis at {redis}: {e.Message}", e);
        }
    }
}
