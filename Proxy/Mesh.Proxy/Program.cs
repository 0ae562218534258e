using Mesh.Proxy.Configuration;
using Mesh.Proxy.Hosting;
using Mesh.Proxy.Init;

if (args is ["--help" or "-h" or "help", ..])
{
    Console.WriteLine("usage: mesh-proxy [sidecar|gateway|init] [--flag value]...   (every flag is also env MESH_PROXY_<FLAG>)");
    foreach (var (name, help) in SettingsParser.Known) Console.WriteLine($"  --{name,-24} {help}");
    return 0;
}

ProxySettings settings;
try
{
    settings = SettingsParser.Parse(args);
}
catch (FormatException e)
{
    Console.Error.WriteLine($"mesh-proxy: {e.Message}");
    return 2;
}

if (settings.Mode == ProxyMode.Init) return IptablesInit.Run(settings, Console.Out, Console.Error);

try
{
    var proxy = await ProxyHost.StartAsync(settings, Console.Out);
    // Started by `mesh run` / `mesh demo`: stop (draining) with it, even if it died without cleaning up.
    using var parentGone = Mesh.Api.Hosting.ParentProcessWatch.Start().Register(() => _ = proxy.StopAsync());
    await proxy.Completion;
    return 0;
}
catch (IOException e)
{
    Console.Error.WriteLine($"mesh-proxy: cannot listen: {e.Message}");
    return 1;
}
catch (InvalidOperationException e)
{
    Console.Error.WriteLine($"mesh-proxy: {e.Message}");
    return 2;
}
