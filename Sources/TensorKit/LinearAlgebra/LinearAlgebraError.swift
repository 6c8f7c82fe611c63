/// A numerical failure of a linear-algebra routine on one matrix of a batch.
///
/// These are properties of the data (a singular system, a matrix that is not positive-definite),
/// so the ``Linalg`` functions throw them rather than stop. The batch index counts the matrices
/// over the leading axes in row-major order (0 for a single matrix).
///
/// ```swift
/// do { _ = try Linalg.solve(a, b) }
/// catch .singularMatrix(let op, let batchIndex, _) { print("\(op): matrix \(batchIndex) is singular") }
/// ```
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// The LU factorisation met an exactly zero pivot (0-based diagonal position): the matrix
    /// has no inverse and the system no unique solution.
    case singularMatrix(op: String, batchIndex: Int, pivot: Int)
    /// The leading minor of the given order (1-based, as LAPACK counts) is not positive, so no
    /// Cholesky factor exists.
    case notPositiveDefinite(op: String, batchIndex: Int, minorOrder: Int)
    /// The iterative part of an SVD or eigendecomposition did not converge.
    case didNotConverge(op: String, batchIndex: Int)

    /// The operation that failed (`"solve"`, `"cholesky"`, ...).
    public var op: String {
        switch self {
        case .singularMatrix(let op, _, _), .notPositiveDefinite(let op, _, _), .didNotConverge(let op, _): return op
        }
    }

    /// Which matrix of the batch failed.
    public var batchIndex: Int {
        switch self {
        case .singularMatrix(_, let i, _), .notPositiveDefinite(_, let i, _), .didNotConverge(_, let i): return i
        }
    }

    /// One sentence naming the op, the matrix of the batch and what went wrong.
    public var description: String {
        switch self {
        case let .singularMatrix(op, i, pivot):
            return "\(op): matrix \(i) of the batch is singular (pivot \(pivot) of its LU factorisation is zero)"
        case let .notPositiveDefinite(op, i, order):
            return "\(op): matrix \(i) of the batch is not positive-definite (leading minor of order \(order) is not positive)"
        case let .didNotConverge(op, i):
            return "\(op): the algorithm did not converge for matrix \(i) of the batch"
        }
    }
}
