using Mesh.Proxy.Errors;

namespace Mesh.Proxy.Hosting;

/// <summary>First stage on the inbound and outbound ports: a request whose header values carry CR, LF or NUL is answered
/// 400 here and never forwarded — the HTTP/1.1 hop to the app would read the rest of the value as fields of its own
/// (request splitting: `x-a: 1\nx-injected: 1`).</summary>
/// <remarks>HTTP/1.1 clients do not get this far with a bare LF: <see cref="DisableLineFeedTerminators"/> makes Kestrel's
/// parser answer 400 itself (by default it takes a bare LF for the end of a field line, RFC 9112 §2.2's MAY, so the proxy and
/// an intermediary in front of it disagree about where a field ends). HTTP/2 carries field values as length-prefixed
/// strings, so a LF arrives inside a value: this stage catches those.</remarks>
internal static class RequestHygiene
{
    /// <summary>Kestrel's switch (read per server on first use) that rejects HTTP/1.x lines ended by LF alone.</summary>
    public const string DisableLineFeedTerminators = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    /// <summary>The first field whose name or value has CR, LF or NUL; null when every field is clean.</summary>
    public static string? FirstUnsafeField(IHeaderDictionary headers)
    {
        foreach (var (name, values) in headers)
        {
            if (HasControl(name)) return name;
            foreach (var value in values)
                if (value is not null && HasControl(value)) return name;
        }
        return null;
    }

    private static bool HasControl(string s) => s.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0;

    /// <summary>The stage: <paramref name="direction"/> names the port (inbound/outbound) for the error counter; null skips it.</summary>
    public static Func<RequestDelegate, RequestDelegate> Middleware(ProxyErrorReporter errors, Func<HttpContext, string?> direction) => next => context =>
    {
        if (direction(context) is { } dir && FirstUnsafeField(context.Request.Headers) is { } field)
        {
            return errors.ReportAsync(context, ProxyError.BadRequest,
                $"{dir}: header field {Printable(field)} has a CR, LF or NUL character in its name or value; not forwarded", dir);
        }
        return next(context);
    };

    private static string Printable(string name) => name.Length <= 64 && !HasControl(name) ? name : "(unprintable name)";
}
