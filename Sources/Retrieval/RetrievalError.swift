/// Why a retrieval operation or file was refused. Operations that throw leave the index or store
/// as it was; file errors name the file and what is wrong with it.
public enum RetrievalError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Vectors or queries whose rows do not have the index's length (or that are not a matrix).
    case dimensionMismatch(expected: Int, shape: [Int])
    /// A different number of ids than vector rows.
    case countMismatch(ids: Int, rows: Int)
    /// The same id given twice in one call.
    case duplicateID(String)
    /// An id that is not stored.
    case unknownID(String)
    /// A vector (or query) holding NaN or infinity, which has no direction to compare.
    case nonFiniteValue(row: Int)
    /// A file of a saved index or store is missing or cannot be read.
    case missingFile(file: String, reason: String)
    /// A file of a saved index or store is malformed or disagrees with the other files.
    case corruptFile(file: String, reason: String)
    /// An index that cannot be saved was asked to be.
    case notPersistable(index: String)
    /// A backend (FAISS) refused an operation; `reason` is its message.
    case backend(operation: String, reason: String)

    /// The fault in words, naming the file or id involved.
    public var description: String {
        switch self {
        case let .dimensionMismatch(expected, shape):
            return "vectors must be [n, \(expected)], got shape \(shape)"
        case let .countMismatch(ids, rows):
            return "\(ids) ids for \(rows) vector rows"
        case let .duplicateID(id):
            return "id '\(id)' is given more than once"
        case let .unknownID(id):
            return "no vector is stored under id '\(id)'"
        case let .nonFiniteValue(row):
            return "row \(row) holds NaN or infinity"
        case let .missingFile(file, reason):
            return "\(file): cannot read: \(reason)"
        case let .corruptFile(file, reason):
            return "\(file): \(reason)"
        case let .notPersistable(index):
            return "\(index) cannot be saved (only a PersistentVectorIndex such as FlatIndex can)"
        case let .backend(operation, reason):
            return "\(operation) failed: \(reason)"
        }
    }
}
