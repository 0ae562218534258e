using Microsoft.AspNetCore.Http;
using Mesh.Testing.KubeApi.Http;

namespace Mesh.Testing.KubeApi.Faults;

/// <summary>Failures a test arms on purpose: answer the next matching requests with an error (500, 429 with
/// Retry-After, …) or delay them. Matching requests consume the rule; dropping watches lives on the server.</summary>
public sealed class FaultInjector
{
    private sealed class Rule(Func<HttpRequest, bool> match, int times, ApiError? error, TimeSpan delay)
    {
        public readonly Func<HttpRequest, bool> Match = match;
        public int Remaining = times;
        public readonly ApiError? Error = error;
        public readonly TimeSpan Delay = delay;
    }

    private readonly Lock _gate = new();
    private readonly List<Rule> _rules = [];

    /// <summary>Answers the next <paramref name="times"/> requests that match with <paramref name="error"/>.</summary>
    public void Fail(Func<HttpRequest, bool> match, ApiError error, int times = 1)
    {
        lock (_gate) _rules.Add(new Rule(match, times, error, TimeSpan.Zero));
    }

    /// <summary>Holds the next <paramref name="times"/> matching requests for <paramref name="delay"/> before serving them.</summary>
    public void Delay(Func<HttpRequest, bool> match, TimeSpan delay, int times = 1)
    {
        lock (_gate) _rules.Add(new Rule(match, times, null, delay));
    }

    public void Clear()
    {
        lock (_gate) _rules.Clear();
    }

    internal (ApiError? Error, TimeSpan Delay) Take(HttpRequest request)
    {
        lock (_gate)
        {
            foreach (var rule in _rules)
            {
                if (rule.Remaining <= 0 || !rule.Match(request)) continue;
                rule.Remaining--;
                return (rule.Error, rule.Delay);
            }
            _rules.RemoveAll(r => r.Remaining <= 0);
            return (null, TimeSpan.Zero);
        }
    }
}
