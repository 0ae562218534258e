using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary>`mesh silo`: runs the control plane in the foreground until Ctrl-C. Flags become the MESH_* variables
/// the silo reads; anything else on the line is passed to the silo unchanged.</summary>
internal static class SiloCommand
{
    public static Command Create(CliContext context)
    {
        var admin = new Option<string?>("--admin-addr", "--admin") { Description = "Admin API / dashboard listen address (MESH_ADMIN_ADDR; default 127.0.0.1:8085)", HelpName = "host:port" };
        var control = new Option<string?>("--control-addr", "--control") { Description = "Control gRPC listen address for proxies (MESH_CONTROL_ADDR; default 127.0.0.1:8086)", HelpName = "host:port" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data directory: admin token, silo.json, CA (MESH_DATA_DIR; default ~/.mesh)", HelpName = "dir" };
        var redis = new Option<string?>("--redis") { Description = "Cluster with other silos and keep state in Redis (MESH_REDIS)", HelpName = "host:port" };

        var command = new Command("silo",
            "Run the control plane (an Orleans silo) in the foreground until Ctrl-C. Other silo options (--silo-port, " +
            "--gateway-port, --advertise, --cluster-id, --trust-domain, --resync-seconds, --log-level) are passed through.")
        {
            admin, control, dataDir, redis,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction((parse, ct) =>
        {
            var environment = new Dictionary<string, string>();
            void Map(Option<string?> option, string variable)
            {
                if (parse.GetValue(option) is { Length: > 0 } value)
                    environment[variable] = value;
            }
            Map(admin, "MESH_ADMIN_ADDR");
            Map(control, "MESH_CONTROL_ADDR");
            Map(dataDir, "MESH_DATA_DIR");
            Map(redis, "MESH_REDIS");
            return context.RunSilo(environment, parse.UnmatchedTokens.ToArray(), ct);
        });
        return command;
    }
}
