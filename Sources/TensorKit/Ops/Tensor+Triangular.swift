import Foundation

/// Lower and upper triangles of (batches of) matrices, like `torch.tril` / `torch.triu`: causal
/// masks and triangular factors. The backward applies the same mask to the gradient.
extension Tensor {
    /// The lower triangle of the last two axes: entries `(i, j)` with `j - i <= diagonal` are
    /// kept, the rest become zero. `diagonal` 0 is the main diagonal, positive values keep more.
    ///
    /// ```swift
    /// Tensor.ones([3, 3]).tril()   // [[1, 0, 0], [1, 1, 0], [1, 1, 1]]
    /// ```
    ///
    /// Works for every dtype (zero is all-zero bits, `false` for bool); batched over leading axes.
    public func tril(diagonal: Int = 0) -> Tensor {
        let out = Triangular.mask(self, diagonal: diagonal, lower: true, op: "tril")
        return Tensor.record("tril", output: out, inputs: [self]) { g in [g.tril(diagonal: diagonal)] }
    }

    /// The upper triangle of the last two axes: entries `(i, j)` with `j - i >= diagonal` are
    /// kept, the rest become zero.
    ///
    /// ```swift
    /// Tensor.ones([2, 3]).triu(diagonal: 1)   // [[0, 1, 1], [0, 0, 1]]
    /// ```
    public func triu(diagonal: Int = 0) -> Tensor {
        let out = Triangular.mask(self, diagonal: diagonal, lower: false, op: "triu")
        return Tensor.record("triu", output: out, inputs: [self]) { g in [g.triu(diagonal: diagonal)] }
    }
}

private enum Triangular {
    /// A contiguous copy of `x` with the part outside the triangle zeroed, one memset per row.
    static func mask(_ x: Tensor, diagonal: Int, lower: Bool, op: String) -> Tensor {
        precondition(x.rank >= 2, "\(op): needs a tensor of rank >= 2 (a matrix or a batch of them), got shape \(x.shape)")
        let out: Tensor
        if x.isContiguous {
            out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
            out.storage.pointer.copyMemory(from: x.storage.pointer + x.layout.offset * x.dtype.byteSize,
                                           byteCount: x.count * x.dtype.byteSize)
        } else {
            out = x.contiguousCopy()
        }
        let rows = x.shape[x.rank - 2], columns = x.shape[x.rank - 1]
        let matrices = x.shape.dropLast(2).reduce(1, *)
        let width = x.dtype.byteSize
        let base = out.storage.pointer
        Parallel.forRanges(matrices * rows, costPerItem: columns) { range in
            for r in range {
                let i = r % rows
                // Row i keeps columns j with j - i <= diagonal (lower) or j - i >= diagonal (upper).
                let edge = Swift.min(Swift.max(i + diagonal + (lower ? 1 : 0), 0), columns)
                let zeroed = lower ? edge..<columns : 0..<edge
                if !zeroed.isEmpty {
                    memset(base + (r * columns + zeroed.lowerBound) * width, 0, zeroed.count * width)
                }
            }
        }
        return out
    }
}
