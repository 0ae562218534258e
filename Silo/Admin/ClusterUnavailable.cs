using Microsoft.AspNetCore.Builder;
using Orleans.Runtime;

namespace Mesh.Silo.Admin;

/// <summary>Turns the errors Orleans raises while the cluster is changing (a peer silo died and is not yet declared
/// dead, a call timed out, a message was rejected) into 503 + Retry-After: the request did not happen and may be
/// sent again. Anything else stays a 500.</summary>
internal static class ClusterUnavailable
{
    /// <summary>How long a client should wait: about the time the cluster takes to declare a killed silo dead.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    /// <summary>The Orleans error that makes this exception retryable, or null when it is not one.</summary>
    public static Exception? Cause(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException) return e;
            if (e is AggregateException aggregate)
                return aggregate.InnerExceptions.Select(Cause).FirstOrDefault(c => c is not null);
        }
        return null;
    }

    /// <summary>Middleware (after routing): answers <see cref="AdminProblems.Unavailable"/> for a retryable Orleans error.</summary>
    public static IApplicationBuilder UseClusterUnavailable(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try { await next(context); }
            catch (Exception e) when (Cause(e) is { } cause && !context.Response.HasStarted)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClusterUnavailable))
                    .LogWarning("admin {Method} {Path}: cluster unavailable ({Error}); answered 503", context.Request.Method,
                        context.Request.Path, cause.GetType().Name);
                context.Response.Clear();
                context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
                await AdminProblems.Unavailable(cause).ExecuteAsync(context);
            }
        });
}
