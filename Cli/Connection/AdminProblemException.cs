using System.Net;

namespace Mesh.Cli.Connection;

/// <summary>The admin API answered with an error status; commands catch the statuses they give meaning to (404)
/// and let the rest reach <see cref="CommandRunner"/> as "error: &lt;title&gt;: &lt;detail&gt;" (exit 1).</summary>
internal sealed class AdminProblemException(AdminProblem problem)
    : CliException([problem.Summary, .. problem.Errors.Select(e => e.ToString())], ExitCodes.UserError)
{
    public AdminProblem Problem { get; } = problem;

    public HttpStatusCode Status => Problem.Status;
}
