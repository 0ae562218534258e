using Mesh.Silo.Hosting;
using StackExchange.Redis;

namespace Mesh.Silo.Admin;

/// <summary>Checks that grain storage is reachable: always for memory, a PING for Redis.</summary>
public sealed class StorageProbe(SiloSettings settings) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connect = new(1, 1);
    private ConnectionMultiplexer? _redis;

    public async Task<string?> CheckAsync(CancellationToken cancellationToken)
    {
        if (settings.Redis is null) return null;
        try
        {
            if (_redis is null)
            {
                await _connect.WaitAsync(cancellationToken);
                try
                {
                    if (_redis is null)
                    {
                        var options = ConfigurationOptions.Parse(settings.Redis);
                        options.AbortOnConnectFail = false;
                        options.ConnectTimeout = 2000;
                        _redis = await ConnectionMultiplexer.ConnectAsync(options);
                    }
                }
                finally { _connect.Release(); }
            }
            await _redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return $"redis {settings.Redis} unreachable: {e.Message}";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
    }
}
