/// Summation over axes, and `sum(toShape:)`, which undoes broadcasting in backward rules.
extension Tensor {
    /// Sum over `axes` (all axes when nil), keeping them as length 1 when `keepDims`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let reduced = Set((axes ?? Array(0..<rank)).map { Shape.normalize(axis: $0, rank: rank, op: "sum") })
        var keptShape = shape
        for axis in reduced { keptShape[axis] = 1 }
        let out: Tensor
        switch dtype {
        case .float32: out = Reduction.sum(self, Float.self, keptShape: keptShape)
        case .float64: out = Reduction.sum(self, Double.self, keptShape: keptShape)
        default: preconditionFailure("sum: needs a float32 or float64 tensor, got \(dtype) (shape \(shape))")
        }
        let finalShape = keepDims ? keptShape : shape.indices.filter { !reduced.contains($0) }.map { shape[$0] }
        let result = out.view(Layout(shape: finalShape))
        let inputShape = shape
        return Tensor.record("sum", output: result, inputs: [self]) { g in
            [g.reshape(keptShape).expand(to: inputShape)]
        }
    }

    /// Sum over all elements (rank-0 result).
    public func sum() -> Tensor { sum(axes: nil) }

    /// Sums a broadcast result back to `target` (the shape of an operand before broadcasting).
    public func sum(toShape target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "sum(toShape:): cannot reduce shape \(shape) to \(target)")
        var axes = Array(0..<lead)
        for (i, extent) in target.enumerated() where extent == 1 && shape[i + lead] != 1 { axes.append(i + lead) }
        return sum(axes: axes, keepDims: true).reshape(target)
    }
}

/// Reduction kernels.
enum Reduction {
    /// Sums `x` into a new contiguous tensor of `keptShape` (x's shape with reduced axes set to 1).
    static func sum<T: FloatingScalar>(_ x: Tensor, _ t: T.Type, keptShape: [Int]) -> Tensor {
        let out = Tensor.zeros(keptShape, dtype: x.dtype)
        let po = out.pointer(as: T.self)
        let px = x.storage.pointer.assumingMemoryBound(to: T.self)
        let outStrides = out.broadcastStrides(to: x.shape)
        let loop = StridedLoop(shape: x.shape, operands: [(x.strides, x.layout.offset), (outStrides, 0)])
        let n = loop.rowLength, sx = loop.innerStride(0), so = loop.innerStride(1)
        // Rows may share output elements, so this loop stays on one thread.
        loop.forEachRow(in: 0..<loop.rowCount) { offsets in
            let a = px + offsets[0], o = po + offsets[1]
            if so == 0 {
                o[0] += rowSum(a, n, sx)
            } else if sx == 1 && so == 1 {
                for i in 0..<n { o[i] += a[i] }
            } else {
                for i in 0..<n { o[i * so] += a[i * sx] }
            }
        }
        return out
    }

    /// Sum of `n` elements `stride` apart, with 8 independent partial sums so the loop
    /// vectorises and rounding error grows slower than with one running sum.
    @inline(__always)
    static func rowSum<T: FloatingScalar>(_ p: UnsafePointer<T>, _ n: Int, _ stride: Int) -> T {
        if stride != 1 {
            var total: T = 0
            for i in 0..<n { total += p[i * stride] }
            return total
        }
        var s0: T = 0, s1: T = 0, s2: T = 0, s3: T = 0, s4: T = 0, s5: T = 0, s6: T = 0, s7: T = 0
        var i = 0
        while i + 8 <= n {
            s0 += p[i]; s1 += p[i + 1]; s2 += p[i + 2]; s3 += p[i + 3]
            s4 += p[i + 4]; s5 += p[i + 5]; s6 += p[i + 6]; s7 += p[i + 7]
            i += 8
        }
        while i < n { s0 += p[i]; i += 1 }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))
    }
}
