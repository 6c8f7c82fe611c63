extension Tensor {
    /// Looks up rows of `weight` `[V, D]` for integer `indices` of any shape; the result has
    /// shape `indices.shape + [D]`, as `torch.nn.functional.embedding`.
    ///
    /// The backward scatter-adds the output gradient into a dense `[V, D]` gradient in one pass
    /// (ids that repeat accumulate); work is split across cores by columns, so no two threads
    /// ever write the same element.
    ///
    /// ```swift
    /// let vectors = Tensor.embedding(Tensor([3, 1, 3] as [Int32]), weight: table)   // [3, D]
    /// ```
    public static func embedding(_ indices: Tensor, weight: Tensor) -> Tensor {
        precondition(weight.rank == 2, "embedding: weight must be [V, D], got shape \(weight.shape)")
        precondition(weight.dtype.isFloatingPoint, "embedding: weight must be float32 or float64, got \(weight.dtype)")
        let (vocabulary, dim) = (weight.shape[0], weight.shape[1])
        let ids = indices.indexValues(op: "embedding")
        for id in ids {
            precondition(id >= 0 && id < vocabulary,
                         "embedding: index \(id) is out of range for a weight of shape \(weight.shape)")
        }
        let table = weight.detachedContiguous()
        let out = Tensor(uninitializedShape: indices.shape + [dim], dtype: weight.dtype)
        let rowBytes = dim * weight.dtype.byteSize
        // Rows are copied as bytes: the gather is the same for every dtype.
        let destination = out.storage.pointer
        let base = UnsafeRawPointer(table.storage.pointer + table.layout.offset * weight.dtype.byteSize)
        ids.withUnsafeBufferPointer { ids in
            Parallel.forRanges(ids.count, costPerItem: dim) { range in
                for i in range {
                    (destination + i * rowBytes).copyMemory(from: base + ids[i] * rowBytes, byteCount: rowBytes)
                }
            }
        }
        let weightShape = weight.shape
        return Tensor.record("embedding", output: out, inputs: [weight]) { gradient in
            let g = gradient.detachedContiguous()
            let dw = Tensor.zeros(weightShape, dtype: g.dtype)
            ids.withUnsafeBufferPointer { ids in
                switch g.dtype {
                case .float32: EmbeddingKernel.scatterAdd(g.pointer(as: Float.self), ids, into: dw.pointer(as: Float.self), dim: dim)
                default: EmbeddingKernel.scatterAdd(g.pointer(as: Double.self), ids, into: dw.pointer(as: Double.self), dim: dim)
                }
            }
            return [dw]
        }
    }
}

enum EmbeddingKernel {
    /// `dw[ids[i], :] += g[i, :]` for every i, threaded over column ranges.
    static func scatterAdd<T: FloatingScalar>(_ g: UnsafePointer<T>, _ ids: UnsafeBufferPointer<Int>,
                                              into dw: UnsafeMutablePointer<T>, dim: Int) {
        Parallel.forRanges(dim, costPerItem: ids.count) { columns in
            for i in 0..<ids.count {
                let source = g + i * dim, target = dw + ids[i] * dim
                for j in columns { target[j] += source[j] }
            }
        }
    }
}
