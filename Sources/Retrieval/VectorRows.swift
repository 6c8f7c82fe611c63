import FineTuning

/// The rows of a `[n, dimension]` tensor as float32 values, checked and scaled to unit length:
/// what every index stores and searches with. Shared with the FAISS backend (package access).
package struct VectorRows {
    /// `rowCount × dimension` values, row-major, each row of unit length (or all zero).
    package var values: [Float]
    package let rowCount: Int

    /// Reads `tensor`, which must be `[rows, dimension]` with finite values.
    package init(_ tensor: Tensor, dimension: Int) throws(RetrievalError) {
        guard tensor.rank == 2, tensor.shape[1] == dimension else {
            throw .dimensionMismatch(expected: dimension, shape: tensor.shape)
        }
        rowCount = tensor.shape[0]
        values = withGradientsDisabled {
            (tensor.dtype == .float32 ? tensor : tensor.cast(to: .float32)).scalars(as: Float.self)
        }
        try normalizeRows(dimension: dimension)
    }

    /// Scales each row to unit length; a zero row stays zero (it then scores 0 against everything).
    private mutating func normalizeRows(dimension: Int) throws(RetrievalError) {
        let rows = rowCount
        var badRow: Int?
        values.withUnsafeMutableBufferPointer { buffer in
            for row in 0..<rows {
                let start = row * dimension
                var sum: Float = 0
                for j in start..<(start + dimension) { sum += buffer[j] * buffer[j] }
                guard sum.isFinite else { badRow = row; return }
                guard sum > 0 else { continue }
                let scale = 1 / sum.squareRoot()
                for j in start..<(start + dimension) { buffer[j] *= scale }
            }
        }
        if let badRow { throw .nonFiniteValue(row: badRow) }
    }
}

/// Checks that `ids` holds no id twice.
package func checkUnique(_ ids: [String]) throws(RetrievalError) {
    var seen = Set<String>(minimumCapacity: ids.count)
    for id in ids where !seen.insert(id).inserted { throw .duplicateID(id) }
}
