namespace Mesh.Fuzz.Tests.Fuzzing;

/// <summary>What one mutation step does to a seed; text-aware steps (lines, indentation, tokens) keep YAML, JSON and
/// protocol heads close enough to valid that the parser gets past its first check.</summary>
internal enum MutationKind
{
    FlipBit,
    SetInterestingByte,
    InsertByte,
    DeleteRange,
    DuplicateRange,
    Truncate,
    InsertToken,
    ReplaceWithToken,
    SpliceSeed,
    DuplicateLine,
    DeleteLine,
    SwapLines,
    IndentLine,
    DedentLine,
    TabIndentLine,
}

/// <summary>One step: a kind and the random numbers it draws positions, lengths and values from.</summary>
internal readonly record struct Mutation(MutationKind Kind, int A, int B, int C);
