using System.CommandLine;
using System.Net;

namespace Mesh.Cli.Demo;

/// <summary>The processes `mesh demo` starts behind sidecars: `mesh demo-app` (one bookstore role) and
/// `mesh demo-traffic` (the load generator). Hidden: users run `mesh demo`.</summary>
internal static class DemoCommands
{
    public static Command App(CliContext context)
    {
        var role = new Option<string>("--role") { Description = "web | books | authors", Required = true };
        var listen = new Option<string>("--listen") { Description = "ip:port to listen on", Required = true };
        var version = new Option<string>("--version") { Description = "books version label (v1, v2)", DefaultValueFactory = _ => "v1" };
        var failureRate = new Option<double>("--failure-rate") { Description = "share of requests answered 500 (authors)" };
        var command = new Command("demo-app", "One bookstore app of the demo") { role, listen, version, failureRate };
        command.Hidden = true;
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            if (!IPEndPoint.TryParse(parse.GetValue(listen)!, out var endpoint))
                throw new CliException($"--listen '{parse.GetValue(listen)}' is not ip:port");
            var rate = parse.GetValue(failureRate);
            if (rate is < 0 or > 1) throw new CliException("--failure-rate must be between 0 and 1");
            await BookstoreApp.RunAsync(new DemoAppOptions(parse.GetValue(role)!, endpoint, parse.GetValue(version)!, rate, ProxyFromEnvironment(context)), ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    public static Command Traffic(CliContext context)
    {
        var target = new Option<string>("--target") { Description = "base URL, e.g. http://web.default.svc.cluster.local", Required = true };
        var rps = new Option<int>("--rps") { Description = "requests per second", DefaultValueFactory = _ => 20 };
        var command = new Command("demo-traffic", "The demo's traffic generator") { target, rps };
        command.Hidden = true;
        command.SetAction((parse, ct) => CommandRunner.RunAsync(context.Console, async () =>
        {
            if (!Uri.TryCreate(parse.GetValue(target), UriKind.Absolute, out var uri)) throw new CliException("--target is not a URL");
            await TrafficGenerator.RunAsync(uri, ProxyFromEnvironment(context), parse.GetValue(rps), ct);
            return ExitCodes.Ok;
        }, ct));
        return command;
    }

    private static Uri? ProxyFromEnvironment(CliContext context) =>
        (context.GetEnvironmentVariable("HTTP_PROXY") ?? context.GetEnvironmentVariable("http_proxy")) is { Length: > 0 } p ? new Uri(p) : null;
}
