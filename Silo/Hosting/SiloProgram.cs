using Mesh.Silo.Hosting;

namespace Mesh.Silo;

/// <summary>Entry point of the control-plane host; `mesh silo` calls the same method. Prints one line per listener
/// ("mesh-silo: admin http://…", "mesh-silo: control http://…") then "mesh-silo: ready" on stdout, writes
/// &lt;data-dir&gt;/silo.json, and runs until SIGINT/SIGTERM. Exit codes: 0 clean stop, 1 bad settings, 2 failed to start.</summary>
public static class SiloProgram
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args is ["-h" or "--help"]) { Console.Out.WriteLine(SiloSettingsLoader.Usage); return 0; }
        SiloSettings settings;
        try { settings = SiloSettingsLoader.Load(args, Environment.GetEnvironmentVariables()); }
        catch (SiloSettingsException e)
        {
            Console.Error.WriteLine($"mesh-silo: error: {e.Message}");
            return 1;
        }

        SiloHost host;
        try { host = await StartAsync(settings, args); }
        catch (Exception e) when (e is Storage.StateStoreException or Identity.KubernetesAccessException)
        {
            Console.Error.WriteLine($"mesh-silo: error: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException
                                       or OrleansException or UnauthorizedAccessException or TimeoutException)
        {
            Console.Error.WriteLine($"mesh-silo: error: could not start: {e.GetBaseException().Message}");
            Console.Error.WriteLine("mesh-silo: is another silo using these ports? Set MESH_ADMIN_ADDR / MESH_CONTROL_ADDR (port 0 = free) or stop it.");
            return 2;
        }

        // A retry after a taken port picked new ports: what the host bound is what silo.json and the banner say.
        settings = host.Settings;
        await using (host)
        {
            var pid = Environment.ProcessId;
            SiloInfoFile.Write(settings.InfoPath, new SiloInfo(settings.AdminUrl, settings.ControlUrl, pid));
            Console.Out.WriteLine($"mesh-silo: admin {settings.AdminUrl}");
            Console.Out.WriteLine($"mesh-silo: control {settings.ControlUrl}");
            if (settings.Injector is { } injector) Console.Out.WriteLine($"mesh-silo: injector {injector.Url}");
            if (settings.FederationUrl is { } federation) Console.Out.WriteLine($"mesh-silo: federation {federation}");
            Console.Error.WriteLine(settings.StorageKind switch
            {
                "sqlite" => $"mesh-silo: storage sqlite {settings.StatePath} (state survives restarts)",
                "memory" => $"mesh-silo: storage memory (--ephemeral: every resource is lost when this silo stops), data dir {settings.DataDir}",
                var kind => $"mesh-silo: storage {kind}, data dir {settings.DataDir}",
            });
            Console.Out.WriteLine("mesh-silo: ready");
            Console.Out.Flush();
            // Started by `mesh demo`: stop with it, even if it died without cleaning up.
            using var parentGone = Api.Hosting.ParentProcessWatch.Start().Register(() => _ = host.StopAsync());
            try { await host.WaitForShutdownAsync(); }
            finally { SiloInfoFile.RemoveIfOwned(settings.InfoPath, pid); }
        }
        Console.Out.WriteLine("mesh-silo: stopped");
        return 0;
    }

    /// <summary>Starts the host. Ports asked for as 0 are probed free before the listeners bind (so the printed
    /// addresses are known up front); another process can take one in between, so a start that fails on a taken port
    /// picks again — at most 3 times, and only when some port was picked here (a fixed port in use is the user's to fix).</summary>
    private static async Task<SiloHost> StartAsync(SiloSettings settings, string[] args)
    {
        for (var attempt = 1; ; attempt++)
        {
            try { return await SiloHost.StartAsync(settings); }
            catch (Exception e) when (attempt < 3 && IsAddressInUse(e))
            {
                var again = SiloSettingsLoader.Load(args, Environment.GetEnvironmentVariables());
                if (SamePorts(again, settings)) throw;
                settings = again;
            }
        }
    }

    private static bool SamePorts(SiloSettings a, SiloSettings b) =>
        a.Admin.Equals(b.Admin) && a.Control.Equals(b.Control) && Equals(a.Federation, b.Federation) && a.SiloPort == b.SiloPort && a.GatewayPort == b.GatewayPort;

    private static bool IsAddressInUse(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is Microsoft.AspNetCore.Connections.AddressInUseException
                || x is System.Net.Sockets.SocketException { SocketErrorCode: System.Net.Sockets.SocketError.AddressAlreadyInUse })
                return true;
        return false;
    }
}
