/// Where the trainer keeps the best model seen at evaluations.
public enum BestModelStorage: Sendable, Equatable {
    /// Not tracked.
    case none
    /// A copy of the saved parameters in memory.
    case memory
    /// A `best/` checkpoint folder in the output directory (needs one).
    case disk
}
