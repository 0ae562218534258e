using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary>Options several verbs share, so they are spelled and described the same everywhere.</summary>
internal static class CommonOptions
{
    public const string DefaultNamespace = Mesh.Abstractions.MeshNames.DefaultNamespace;

    /// <summary>`-n/--namespace`; null when not given (the verb decides what that means).</summary>
    public static Option<string?> Namespace(string description = "Namespace (default: default)") => new("--namespace", "-n")
    {
        Description = description,
        HelpName = "ns",
    };

    /// <summary>`-f/--filename`, repeatable: files, directories, or - for stdin.</summary>
    public static Option<string[]> Files(string description) => new("--filename", "-f")
    {
        Description = description,
        HelpName = "file|dir|-",
        Arity = ArgumentArity.OneOrMore,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>An optional argument swallows an unknown "--flag" as its value; reject that as the typo it is.</summary>
    public static T RejectingOptionLikeValues<T>(this T argument) where T : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                if (token.Value.Length > 1 && token.Value[0] == '-')
                    result.AddError($"Unrecognized command or argument '{token.Value}' (not a valid {argument.Name})");
            }
        });
        return argument;
    }
}
