/// Iteration over the elements of several same-shaped strided operands (inputs and output of an
/// elementwise op, already broadcast), one innermost row at a time.
///
/// Axes of length 1 are dropped and adjacent axes that are contiguous for every operand are merged,
/// so a contiguous or simply transposed operand gives long rows. The body runs once per row, never
/// per element.
struct StridedLoop {
    /// Coalesced shape (at least one axis).
    let shape: [Int]
    /// Coalesced strides, operand-major: `strides[operand * rank + axis]`.
    let strides: [Int]
    /// Starting storage offset of each operand.
    let offsets: [Int]
    let operandCount: Int

    init(shape: [Int], operands: [(strides: [Int], offset: Int)]) {
        operandCount = operands.count
        offsets = operands.map(\.offset)
        var axes: [Int] = []
        for axis in 0..<shape.count where shape[axis] != 1 { axes.append(axis) }
        var mergedShape: [Int] = []
        var mergedStrides: [[Int]] = Array(repeating: [], count: operands.count)
        for axis in axes {
            if let last = mergedShape.last,
               operands.indices.allSatisfy({ mergedStrides[$0].last! == operands[$0].strides[axis] * shape[axis] }) {
                mergedShape[mergedShape.count - 1] = last * shape[axis]
                for k in operands.indices { mergedStrides[k][mergedStrides[k].count - 1] = operands[k].strides[axis] }
            } else {
                mergedShape.append(shape[axis])
                for k in operands.indices { mergedStrides[k].append(operands[k].strides[axis]) }
            }
        }
        if mergedShape.isEmpty {
            mergedShape = [shape.contains(0) ? 0 : 1]
            for k in operands.indices { mergedStrides[k] = [1] }
        }
        // An empty tensor gets an empty innermost row, so no row runs.
        if shape.contains(0) { mergedShape[mergedShape.count - 1] = 0 }
        self.shape = mergedShape
        self.strides = mergedStrides.flatMap { $0 }
    }

    var rank: Int { shape.count }
    /// Elements per row.
    var rowLength: Int { shape[rank - 1] }
    /// Number of rows.
    var rowCount: Int { rowLength == 0 ? 0 : shape.dropLast().reduce(1, *) }

    /// Stride of `operand` along the innermost axis.
    @inline(__always) func innerStride(_ operand: Int) -> Int { strides[operand * rank + rank - 1] }

    /// Calls `body(offsets)` for each row in `rows`; `offsets[k]` is operand k's storage index of
    /// the row's first element. Rows are split across cores when the loop is large.
    @inline(__always)
    func forEachRow(_ body: (UnsafePointer<Int>) -> Void) {
        let rows = rowCount
        let length = rowLength
        Parallel.forRanges(rows, costPerItem: length) { range in
            forEachRow(in: range, body)
        }
    }

    @inline(__always)
    func forEachRow(in rows: Range<Int>, _ body: (UnsafePointer<Int>) -> Void) {
        if rows.isEmpty { return }
        let outer = rank - 1
        withUnsafeTemporaryAllocation(of: Int.self, capacity: operandCount + outer + 1) { scratch in
            let current = scratch.baseAddress!
            let index = current + operandCount
            // Position the odometer at the first row of the range.
            var remainder = rows.lowerBound
            for axis in stride(from: outer - 1, through: 0, by: -1) {
                index[axis] = remainder % shape[axis]
                remainder /= shape[axis]
            }
            for k in 0..<operandCount {
                var position = offsets[k]
                for axis in 0..<outer { position += index[axis] * strides[k * rank + axis] }
                current[k] = position
            }
            for _ in rows {
                body(UnsafePointer(current))
                // Advance the odometer by one row.
                var axis = outer - 1
                while axis >= 0 {
                    index[axis] += 1
                    for k in 0..<operandCount { current[k] += strides[k * rank + axis] }
                    if index[axis] < shape[axis] { break }
                    for k in 0..<operandCount { current[k] -= strides[k * rank + axis] * shape[axis] }
                    index[axis] = 0
                    axis -= 1
                }
            }
        }
    }
}
