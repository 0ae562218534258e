using System.Diagnostics;
using System.Globalization;
using Mesh.Proxy.Configuration;

namespace Mesh.Proxy.Init;

/// <summary>`mesh-proxy init`: writes (or removes) the nat rules that send a workload's TCP traffic through its proxy.</summary>
/// <remarks>Inbound: PREROUTING → MESH_PROXY_INBOUND → REDIRECT to the inbound port. Outbound: OUTPUT → MESH_PROXY_OUTPUT →
/// REDIRECT to the outbound port, except the proxy's own uid (no loops), loopback, and the skip lists. Re-running replaces
/// the chains' contents and adds each jump once, so it is idempotent.</remarks>
public static class IptablesInit
{
    public const string InboundChain = "MESH_PROXY_INBOUND";
    public const string OutputChain = "MESH_PROXY_OUTPUT";

    public static int Run(ProxySettings settings, TextWriter output, TextWriter error)
    {
        var iptables = Environment.GetEnvironmentVariable("MESH_PROXY_IPTABLES") is { Length: > 0 } p ? p : "iptables";
        try
        {
            if (settings.Remove)
            {
                foreach (var args in RemoveCommands()) Exec(iptables, args, output, mayFail: true);
                output.WriteLine("mesh-proxy: iptables rules removed");
                return 0;
            }
            foreach (var (args, check) in WriteCommands(settings))
            {
                if (check is not null && Exec(iptables, check, output: null, mayFail: true) == 0) continue;
                Exec(iptables, args, output, mayFail: args.Contains("-N"));
            }
            output.WriteLine("mesh-proxy: iptables rules written");
            return 0;
        }
        catch (InvalidOperationException e)
        {
            error.WriteLine($"mesh-proxy: init: {e.Message}");
            return 1;
        }
    }

    /// <summary>The commands in order; a command with a check (-C form) runs only when the check fails.</summary>
    public static IReadOnlyList<(string[] Args, string[]? Check)> WriteCommands(ProxySettings s)
    {
        var inPort = s.InboundAddress.Port.ToString(CultureInfo.InvariantCulture);
        var outPort = s.OutboundAddress.Port.ToString(CultureInfo.InvariantCulture);
        var list = new List<(string[], string[]?)>
        {
            (["-t", "nat", "-N", InboundChain], null),
            (["-t", "nat", "-F", InboundChain], null),
            (["-t", "nat", "-N", OutputChain], null),
            (["-t", "nat", "-F", OutputChain], null),
        };
        var skipIn = s.SkipInboundPorts.Append(s.AdminAddress.Port).Distinct();
        foreach (var port in skipIn)
            list.Add((["-t", "nat", "-A", InboundChain, "-p", "tcp", "--dport", port.ToString(CultureInfo.InvariantCulture), "-j", "RETURN"], null));
        list.Add((["-t", "nat", "-A", InboundChain, "-p", "tcp", "-j", "REDIRECT", "--to-ports", inPort], null));

        list.Add((["-t", "nat", "-A", OutputChain, "-m", "owner", "--uid-owner", s.ProxyUid.ToString(CultureInfo.InvariantCulture), "-j", "RETURN"], null));
        list.Add((["-t", "nat", "-A", OutputChain, "-o", "lo", "-j", "RETURN"], null));
        list.Add((["-t", "nat", "-A", OutputChain, "-d", "127.0.0.0/8", "-j", "RETURN"], null));
        foreach (var port in s.SkipOutboundPorts)
            list.Add((["-t", "nat", "-A", OutputChain, "-p", "tcp", "--dport", port.ToString(CultureInfo.InvariantCulture), "-j", "RETURN"], null));
        foreach (var net in s.SkipSubnets)
            list.Add((["-t", "nat", "-A", OutputChain, "-d", net, "-j", "RETURN"], null));
        list.Add((["-t", "nat", "-A", OutputChain, "-p", "tcp", "-j", "REDIRECT", "--to-ports", outPort], null));

        string[] jumpIn = ["-t", "nat", "-A", "PREROUTING", "-p", "tcp", "-j", InboundChain];
        string[] jumpOut = ["-t", "nat", "-A", "OUTPUT", "-p", "tcp", "-j", OutputChain];
        list.Add((jumpIn, [.. jumpIn.Select(a => a == "-A" ? "-C" : a)]));
        list.Add((jumpOut, [.. jumpOut.Select(a => a == "-A" ? "-C" : a)]));
        return list;
    }

    public static IReadOnlyList<string[]> RemoveCommands() =>
    [
        ["-t", "nat", "-D", "PREROUTING", "-p", "tcp", "-j", InboundChain],
        ["-t", "nat", "-D", "OUTPUT", "-p", "tcp", "-j", OutputChain],
        ["-t", "nat", "-F", InboundChain],
        ["-t", "nat", "-X", InboundChain],
        ["-t", "nat", "-F", OutputChain],
        ["-t", "nat", "-X", OutputChain],
    ];

    private static int Exec(string iptables, string[] args, TextWriter? output, bool mayFail)
    {
        output?.WriteLine($"mesh-proxy: {iptables} {string.Join(' ', args)}");
        var psi = new ProcessStartInfo(iptables) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {iptables}");
        var stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 && !mayFail)
            throw new InvalidOperationException($"{iptables} {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Trim()}");
        return process.ExitCode;
    }
}
