/// Matrix product with NumPy/PyTorch `matmul` semantics, computed by BLAS.
extension Tensor {
    /// The matrix product of this tensor and `other`, like `torch.matmul` / `numpy.matmul`.
    ///
    /// - 1-D · 1-D: the dot product (a rank-0 tensor).
    /// - 2-D · 2-D: the matrix product `[m, k] · [k, n] → [m, n]`.
    /// - 1-D on the left is a row vector `[1, k]`, on the right a column vector `[k, 1]`; the
    ///   added axis is removed from the result.
    /// - Higher ranks are stacks of matrices in the last two axes; the leading (batch) axes
    ///   broadcast by NumPy rules.
    ///
    /// Transposed views are read by BLAS through its transpose flag, so `x.matmul(w.transposed())`
    /// copies nothing. Gradients flow to both operands (summed over broadcast batch axes).
    ///
    /// ```swift
    /// let x = Tensor.normal([8, 16, 32])          // batch of 8 matrices
    /// let w = Tensor.normal([64, 32])
    /// let y = x.matmul(w.transposed())            // [8, 16, 64]
    /// ```
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(dtype == other.dtype,
                     "matmul: dtypes \(dtype) and \(other.dtype) differ (shapes \(shape) and \(other.shape))")
        precondition(dtype.isFloatingPoint, "matmul: needs float32 or float64 tensors, got \(dtype)")
        precondition(rank >= 1 && other.rank >= 1,
                     "matmul: both operands need at least one axis, got shapes \(shape) and \(other.shape)")
        precondition(Tensor.matmulShape(shape, other.shape) != nil,
                     "matmul: shapes \(shape) and \(other.shape) are not compatible")
        // Vectors become one-row / one-column matrices through views, whose own backward rules
        // restore the vector shapes of the gradients.
        switch (rank, other.rank) {
        case (1, 1): return unsqueezed(axis: 0).batchedMatmul(other.unsqueezed(axis: 1)).reshape([])
        case (1, _): return unsqueezed(axis: 0).batchedMatmul(other).squeezed(axis: -2)
        case (_, 1): return batchedMatmul(other.unsqueezed(axis: 1)).squeezed(axis: -1)
        default: return batchedMatmul(other)
        }
    }

    /// The shape of `matmul` of operands with shapes `a` and `b`, or nil when they do not fit.
    static func matmulShape(_ a: [Int], _ b: [Int]) -> [Int]? {
        guard !a.isEmpty && !b.isEmpty else { return nil }
        let left = a.count == 1 ? [1] + a : a
        let right = b.count == 1 ? b + [1] : b
        guard left[left.count - 1] == right[right.count - 2],
              let batch = Shape.broadcast(Array(left.dropLast(2)), Array(right.dropLast(2))) else { return nil }
        var result = batch
        if a.count > 1 { result.append(left[left.count - 2]) }
        if b.count > 1 { result.append(right[right.count - 1]) }
        return result
    }

    /// `matmul` of two operands of rank ≥ 2, recorded as one graph node.
    private func batchedMatmul(_ other: Tensor) -> Tensor {
        let a = self, b = other
        let out = Tensor.matmulForward(a, b)
        // Each operand is kept only for the other's gradient: with a frozen right operand (a
        // base weight) the left one is freed as soon as the forward moves on.
        let (shapeA, shapeB) = (a.shape, b.shape)
        let savedA = b.requiresGrad ? a : nil, savedB = a.requiresGrad ? b : nil
        return Tensor.record("matmul", output: out, inputs: [a, b]) { g in
            [savedB.map { Tensor.matmulGradientOfLeft(g, leftShape: shapeA, $0) },
             savedA.map { Tensor.matmulGradientOfRight(g, $0, rightShape: shapeB) }]
        }
    }

    /// dL/dA = dL/dC · Bᵀ, summed over the batch axes A was broadcast along.
    private static func matmulGradientOfLeft(_ g: Tensor, leftShape: [Int], _ b: Tensor) -> Tensor {
        g.matmul(b.transposed()).sum(toShape: leftShape)
    }

    /// dL/dB = Aᵀ · dL/dC, summed over the batch axes B was broadcast along.
    private static func matmulGradientOfRight(_ g: Tensor, _ a: Tensor, rightShape: [Int]) -> Tensor {
        let k = a.shape[a.rank - 1], n = g.shape[g.rank - 1]
        let batchCount = g.shape.dropLast(2).reduce(1, *)
        if batchCount > 1 && rightShape.dropLast(2).allSatisfy({ $0 == 1 })
            && a.shape.dropLast(2).reduce(1, *) == batchCount {
            // A weight shared by every batch matrix (a linear layer): stacking the batch into
            // rows turns the batch of products plus a sum into one gemm with a long inner axis.
            let stackedA = a.reshape([-1, k]), stackedG = g.reshape([-1, n])
            return stackedA.transposed().matmul(stackedG).reshape(rightShape)
        }
        return a.transposed().matmul(g).sum(toShape: rightShape)
    }

    /// The forward product of operands of rank ≥ 2 (no graph).
    static func matmulForward(_ a: Tensor, _ b: Tensor) -> Tensor {
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let n = b.shape[b.rank - 1]
        guard k == b.shape[b.rank - 2],
              let batch = Shape.broadcast(Array(a.shape.dropLast(2)), Array(b.shape.dropLast(2))) else {
            preconditionFailure("matmul: shapes \(a.shape) and \(b.shape) are not compatible")
        }
        switch a.dtype {
        case .float32: return BatchedGEMM.run(a, b, Float.self, batch: batch, m: m, n: n, k: k)
        case .float64: return BatchedGEMM.run(a, b, Double.self, batch: batch, m: m, n: n, k: k)
        default: preconditionFailure("matmul: needs float32 or float64 tensors, got \(a.dtype)")
        }
    }
}

/// Runs a broadcast batch of matrix products as BLAS calls, one after another on this thread
/// (BLAS spreads each call over the cores itself).
private enum BatchedGEMM {
    static func run<T: BLASScalar>(_ a: Tensor, _ b: Tensor, _ t: T.Type,
                                   batch: [Int], m: Int, n: Int, k: Int) -> Tensor {
        let out = Tensor(uninitializedShape: batch + [m, n], dtype: a.dtype)
        if out.count == 0 { return out }
        if k == 0 {
            out.fill(with: 0)
            return out
        }
        // Operands BLAS cannot read through their strides are copied once, before broadcasting,
        // so an operand shared by the whole batch is never copied per batch matrix.
        let (a, opA) = a.blasReadable()
        let (b, opB) = b.blasReadable()
        let pa = UnsafePointer(a.pointer(as: T.self)), pb = UnsafePointer(b.pointer(as: T.self))
        let pc = out.pointer(as: T.self)
        let batchCount = batch.reduce(1, *)

        // B shared by the whole batch and A's batch laid out as one tall matrix: the batch
        // folds into M and the whole product is a single gemm.
        if batchCount > 1 && b.shape.dropLast(2).allSatisfy({ $0 == 1 })
            && a.shape.dropLast(2).reduce(1, *) == batchCount,
           let tall = a.layout.viewStrides(for: [batchCount * m, k]),
           let opTall = GEMM.operand(rows: batchCount * m, cols: k, rowStride: tall[0], colStride: tall[1]) {
            GEMM.gemm(T.self, m: batchCount * m, n: n, k: k, a: pa, opTall, b: pb, opB, c: pc, ldc: n)
            return out
        }

        let stridesA = Array(a.layout.broadcastStrides(to: batch + [m, k]).prefix(batch.count))
        let stridesB = Array(b.layout.broadcastStrides(to: batch + [k, n]).prefix(batch.count))
        var index = [Int](repeating: 0, count: batch.count)
        var offsetA = 0, offsetB = 0
        for i in 0..<batchCount {
            GEMM.gemm(T.self, m: m, n: n, k: k, a: pa + offsetA, opA, b: pb + offsetB, opB,
                      c: pc + i * m * n, ldc: n)
            var axis = batch.count - 1
            while axis >= 0 {
                index[axis] += 1
                offsetA += stridesA[axis]
                offsetB += stridesB[axis]
                if index[axis] < batch[axis] { break }
                offsetA -= stridesA[axis] * batch[axis]
                offsetB -= stridesB[axis] * batch[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return out
    }
}

extension Tensor {
    /// This tensor (or, when BLAS cannot read it through its strides, a contiguous copy) with
    /// the BLAS reading of its last two axes. Shared by matmul and linear.
    func blasReadable() -> (tensor: Tensor, operand: GEMM.Operand) {
        if let operand = GEMM.operand(layout) { return (self, operand) }
        let copy = contiguousCopy()
        guard let operand = GEMM.operand(copy.layout) else {
            preconditionFailure("gemm: a contiguous copy of shape \(shape) must be readable by BLAS")
        }
        return (copy, operand)
    }
}
