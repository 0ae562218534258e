using System.CommandLine;

namespace Mesh.Cli.Output;

/// <summary>The `-o` values and the option that accepts them.</summary>
internal static class OutputFormat
{
    public const string Table = "table";
    public const string Wide = "wide";
    public const string Json = "json";
    public const string Yaml = "yaml";

    /// <summary>An `-o/--output` option limited to <paramref name="allowed"/>; the first one is the default.</summary>
    public static Option<string> CreateOption(params string[] allowed)
    {
        var option = new Option<string>("--output", "-o")
        {
            Description = $"Output format: {string.Join(", ", allowed)}",
            DefaultValueFactory = _ => allowed[0],
        };
        option.AcceptOnlyFromAmong(allowed);
        return option;
    }
}
