import Foundation

/// A ``VectorIndex`` that can write itself into a folder and be read back, so a
/// ``PassageStore`` can save it beside its passages as one unit.
public protocol PersistentVectorIndex: VectorIndex {
    /// Writes the index's files into `folder`, which exists. Not atomic by itself: callers write
    /// into a temporary folder and rename it (see `AtomicFolder`).
    func writeFiles(into folder: URL) throws

    /// Reads an index written by ``writeFiles(into:)``.
    ///
    /// - Throws: ``RetrievalError`` naming the missing or malformed file.
    static func read(from folder: URL) throws -> Self
}
