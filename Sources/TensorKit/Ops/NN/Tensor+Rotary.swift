extension Tensor {
    /// Rotary position embedding in the "rotate half" layout (LLaMA, GPT-NeoX, Hugging Face) as
    /// one fused op: `x·cos + rotateHalf(x)·sin` with `rotateHalf(x) = [−x₂, x₁]`.
    ///
    /// `x` is `[..., L, D]` (any strides with a unit-stride last axis are read in place, such as
    /// the query/key views of a packed projection); `cos` and `sin` are `[L, D/2]`, the angle of
    /// pair `i` (elements `i` and `i + D/2`) at position `p` in row `p`. The result is a
    /// contiguous `[..., L, D]`.
    ///
    /// One pass forward and one backward (the inverse rotation), keeping only the tables: the
    /// composition of slices, a negation, a concatenation, two products and a sum makes five
    /// temporaries and keeps `x` for its backward.
    ///
    /// ```swift
    /// let (cos, sin) = rope.halfTables(length: 10)            // [10, 8] each
    /// let q = Tensor.rotaryEmbedding(Tensor.normal([1, 4, 10, 16]), cos: cos, sin: sin)
    /// ```
    public static func rotaryEmbedding(_ x: Tensor, cos: Tensor, sin: Tensor) -> Tensor {
        let op = "rotaryEmbedding"
        precondition(x.rank >= 2 && x.shape[x.rank - 1] % 2 == 0 && x.dtype.isFloatingPoint,
                     "\(op): input must be a float [..., L, D] tensor with even D, got \(x.dtype) \(x.shape)")
        let (length, half) = (x.shape[x.rank - 2], x.shape[x.rank - 1] / 2)
        precondition(cos.shape == [length, half] && sin.shape == [length, half] && cos.dtype == x.dtype && sin.dtype == x.dtype,
                     "\(op): tables must be \(x.dtype) [\(length), \(half)] for input \(x.shape), got \(cos.dtype) \(cos.shape) and \(sin.dtype) \(sin.shape)")
        let c = cos.detach().contiguous(), s = sin.detach().contiguous()
        let out = RotaryRows.apply(x.detach(), cos: c, sin: s, inverse: false, op: op)
        return Tensor.record(op, output: out, inputs: [x]) { gradient in
            // The rotation is orthogonal: its gradient is the rotation by the opposite angles.
            [RotaryRows.apply(gradient, cos: c, sin: s, inverse: true, op: op)]
        }
    }
}

/// Binds tensors to ``RotaryKernel`` by dtype, copying only an input whose last axis is strided.
private enum RotaryRows {
    static func apply(_ x: Tensor, cos: Tensor, sin: Tensor, inverse: Bool, op: String) -> Tensor {
        let source = x.rank > 0 && (x.strides[x.rank - 1] == 1 || x.shape[x.rank - 1] <= 1) ? x : x.contiguous()
        let out = Tensor(uninitializedShape: x.shape, dtype: x.dtype)
        let rows = RotaryKernel.Rows(layout: source.layout)
        switch x.dtype {
        case .float32:
            RotaryKernel.rotate(source.pointer(as: Float.self), rows, cos: cos.pointer(as: Float.self),
                                sin: sin.pointer(as: Float.self), inverse: inverse, into: out.pointer(as: Float.self))
        case .float64:
            RotaryKernel.rotate(source.pointer(as: Double.self), rows, cos: cos.pointer(as: Double.self),
                                sin: sin.pointer(as: Double.self), inverse: inverse, into: out.pointer(as: Double.self))
        default: preconditionFailure("\(op): needs float32 or float64, got \(x.dtype)")
        }
        return out
    }
}

/// The rotation of each `D`-vector of a `[..., L, D]` tensor by its position's angles.
enum RotaryKernel {
    /// Where each `D`-vector (a row) of a strided `[..., L, D]` input starts.
    struct Rows {
        let outerShape: [Int], outerStrides: [Int]
        let count, positions, width: Int

        init(layout: Layout) {
            let rank = layout.rank
            outerShape = Array(layout.shape.dropLast())
            outerStrides = Array(layout.strides.dropLast())
            (positions, width) = (layout.shape[rank - 2], layout.shape[rank - 1])
            count = outerShape.reduce(1, *)
        }

        /// The storage offset of row `index` (row-major over the outer axes).
        @inline(__always)
        func offset(_ index: Int) -> Int {
            var rest = index, offset = 0
            for axis in stride(from: outerShape.count - 1, through: 0, by: -1) {
                let extent = outerShape[axis]
                offset += (rest % extent) * outerStrides[axis]
                rest /= extent
            }
            return offset
        }
    }

    /// `out` (contiguous) = `x` rotated by `+angle` (or `−angle` when `inverse`), row `r` at
    /// position `r mod L`.
    static func rotate<T: FloatingScalar>(_ x: UnsafePointer<T>, _ rows: Rows, cos: UnsafePointer<T>,
                                          sin: UnsafePointer<T>, inverse: Bool, into out: UnsafeMutablePointer<T>) {
        let (half, width, positions) = (rows.width / 2, rows.width, rows.positions)
        guard half > 0, positions > 0 else { return }
        Parallel.forRanges(rows.count, costPerItem: width) { range in
            for row in range {
                let source = x + rows.offset(row), target = out + row * width
                let table = (row % positions) * half
                let c = cos + table
                // The inverse rotation is the same one with the sines negated.
                let sign: T = inverse ? -1 : 1
                for i in 0..<half {
                    let (a, b, s) = (source[i], source[i + half], sign * sin[table + i])
                    target[i] = a * c[i] - b * s
                    target[i + half] = b * c[i] + a * s
                }
            }
        }
    }
}
