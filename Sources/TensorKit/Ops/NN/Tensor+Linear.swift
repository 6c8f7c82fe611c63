extension Tensor {
    /// `x · weightᵀ + bias` in one BLAS call, as `torch.nn.functional.linear`.
    ///
    /// `x` is `[..., in]`, `weight` `[out, in]`, `bias` `[out]` or nil; the result is `[..., out]`.
    /// The bias is written into the output first and the GEMM adds the product to it
    /// (`beta = 1`), so there is no second pass and no intermediate product buffer; the
    /// transposed weight is read by BLAS in place. One graph node: the backward is two GEMMs
    /// (`dx = g · W`, `dW = gᵀ · x`, over all leading axes at once) and a column sum for the bias.
    ///
    /// ```swift
    /// let y = Tensor.linear(x, weight: w, bias: b)   // [8, 16, 32] · [64, 32]ᵀ + [64] → [8, 16, 64]
    /// ```
    public static func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
        let op = "linear"
        checkLinearOperands(x, weight: weight, bias: bias, op: op)
        let (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0])
        let outputShape = Array(x.shape.dropLast()) + [outFeatures]
        // Detached views: the node below is the only one this op records.
        let rowCount = x.shape.dropLast().reduce(1, *)
        let rows = x.detach().reshape([rowCount, inFeatures])
        let w = weight.detach(), b = bias?.detach()
        let out: Tensor
        switch x.dtype {
        case .float32: out = LinearKernel.forward(rows, w, b, Float.self)
        case .float64: out = LinearKernel.forward(rows, w, b, Double.self)
        default: preconditionFailure("\(op): needs float32 or float64, got \(x.dtype)")
        }
        let result = out.reshape(outputShape)
        let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
        // The rule keeps only what its gradients read: the input for the weight's gradient, the
        // weight for the input's. A frozen weight's input (the attention output before its
        // output projection, say) is then freed as soon as the forward moves on.
        let inputShape = x.shape
        let savedRows = weight.requiresGrad ? rows : nil, savedWeight = x.requiresGrad ? w : nil
        let biasGradient: Bool? = bias.map(\.requiresGrad)
        return Tensor.record(op, output: result, inputs: inputs) { gradient in
            let g = gradient.reshape([rowCount, outFeatures])
            var grads: [Tensor?] = [
                savedWeight.map { g.matmul($0).reshape(inputShape) },
                savedRows.map { g.transposed().matmul($0) },
            ]
            if let biasGradient { grads.append(biasGradient ? g.sum(axes: [0]) : nil) }
            return grads
        }
    }
}

extension Tensor {
    /// Stops with a message naming `op` unless `x` `[..., in]`, `weight` `[out, in]` and `bias`
    /// `[out]` fit and share a float dtype.
    static func checkLinearOperands(_ x: Tensor, weight: Tensor, bias: Tensor?, op: String) {
        precondition(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                     "\(op): input \(x.shape) and weight \(weight.shape) do not fit ([..., in] and [out, in])")
        precondition(x.dtype.isFloatingPoint && weight.dtype == x.dtype,
                     "\(op): input and weight must share a float dtype, got \(x.dtype) and \(weight.dtype)")
        if let bias {
            precondition(bias.shape == [weight.shape[0]] && bias.dtype == x.dtype,
                         "\(op): bias must be \(x.dtype) [\(weight.shape[0])], got \(bias.dtype) \(bias.shape)")
        }
    }
}

/// The forward GEMM of ``Tensor/linear(_:weight:bias:)``.
enum LinearKernel {
    /// `rows · weightᵀ + bias` `[m, out]`.
    static func forward<T: BLASScalar>(_ rows: Tensor, _ weight: Tensor, _ bias: Tensor?, _ t: T.Type) -> Tensor {
        forward(rows, [weight], bias, t)
    }

    /// `rows · [W₀; W₁; …]ᵀ + bias` `[m, Σ outᵢ]`, one product per weight, each writing its
    /// block of the output's columns (BLAS reads the weights where they are, no stacked copy).
    static func forward<T: BLASScalar>(_ rows: Tensor, _ weights: [Tensor], _ bias: Tensor?, _ t: T.Type) -> Tensor {
        let (m, k, n) = (rows.shape[0], rows.shape[1], weights.reduce(0) { $0 + $1.shape[0] })
        let out = Tensor(uninitializedShape: [m, n], dtype: rows.dtype)
        if out.count == 0 { return out }
        let pc = out.pointer(as: T.self)
        if let bias {
            let source = bias.isContiguous ? bias : bias.contiguous()
            let pb = UnsafePointer(source.pointer(as: T.self))
            // Split across cores like the product after it: on one thread this copy of the output's
            // size cost 2 % of a MiniLM embedding pass.
            Parallel.forRanges(m, costPerItem: n) { rows in
                for row in rows { (pc + row * n).update(from: pb, count: n) }
            }
        } else if k == 0 {
            out.fill(with: 0)
        }
        if k == 0 { return out }
        let (a, opA) = rows.blasReadable()
        var column = 0
        for weight in weights {
            let (b, opB) = weight.transposed().blasReadable()
            GEMM.gemm(T.self, m: m, n: weight.shape[0], k: k, a: UnsafePointer(a.pointer(as: T.self)), opA,
                      b: UnsafePointer(b.pointer(as: T.self)), opB, beta: bias == nil ? 0 : 1, c: pc + column, ldc: n)
            column += weight.shape[0]
        }
        return out
    }

    /// `g · [W₀; W₁; …]` `[m, in]` for `g` `[m, Σ outᵢ]`: the input gradient of a stacked linear,
    /// as one product per weight over its block of `g`'s columns, each adding to the last.
    static func inputGradient<T: BLASScalar>(_ g: Tensor, _ weights: [Tensor], _ t: T.Type) -> Tensor {
        let (m, n, k) = (g.shape[0], weights[0].shape[1], g.shape[1])
        let out = Tensor(uninitializedShape: [m, n], dtype: g.dtype)
        if out.count == 0 { return out }
        if k == 0 { out.fill(with: 0); return out }
        let source = g.strides[1] == 1 && (m <= 1 || g.strides[0] >= k) ? g : g.contiguous()
        let lda = m <= 1 ? k : source.strides[0]
        var column = 0
        for (index, weight) in weights.enumerated() {
            let (b, opB) = weight.blasReadable()
            GEMM.gemm(T.self, m: m, n: n, k: weight.shape[0],
                      a: UnsafePointer(source.pointer(as: T.self) + column), GEMM.Operand(transpose: false, leadingDimension: lda),
                      b: UnsafePointer(b.pointer(as: T.self)), opB, beta: index == 0 ? 0 : 1, c: out.pointer(as: T.self), ldc: n)
            column += weight.shape[0]
        }
        return out
    }
}
