/// What goes wrong between the processes of a job.
public enum DistributedError: Error, Equatable, CustomStringConvertible {
    /// An MPI call returned an error code (the communicators use `MPI_ERRORS_RETURN`, so MPI
    /// reports instead of ending the process); `message` is MPI's own text for `code`.
    case mpi(operation: String, code: Int32, message: String)
    /// The processes disagree about something they must share, such as the names and shapes of
    /// the parameters a data-parallel run keeps identical.
    case mismatch(String)

    public var description: String {
        switch self {
        case .mpi(let operation, let code, let message): return "\(operation) failed: \(message) (MPI error \(code))"
        case .mismatch(let text): return text
        }
    }
}
