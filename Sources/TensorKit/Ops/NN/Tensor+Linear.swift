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
        precondition(weight.rank == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                     "\(op): input \(x.shape) and weight \(weight.shape) do not fit ([..., in] and [out, in])")
        precondition(x.dtype.isFloatingPoint && weight.dtype == x.dtype,
                     "\(op): input and weight must share a float dtype, got \(x.dtype) and \(weight.dtype)")
        let (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0])
        if let bias {
            precondition(bias.shape == [outFeatures] && bias.dtype == x.dtype,
                         "\(op): bias must be \(x.dtype) [\(outFeatures)], got \(bias.dtype) \(bias.shape)")
        }
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

/// The forward GEMM of ``Tensor/linear(_:weight:bias:)``.
enum LinearKernel {
    static func forward<T: BLASScalar>(_ rows: Tensor, _ weight: Tensor, _ bias: Tensor?, _ t: T.Type) -> Tensor {
        let (m, k, n) = (rows.shape[0], rows.shape[1], weight.shape[0])
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
        let (b, opB) = weight.transposed().blasReadable()
        GEMM.gemm(T.self, m: m, n: n, k: k, a: UnsafePointer(a.pointer(as: T.self)), opA,
                  b: UnsafePointer(b.pointer(as: T.self)), opB, beta: bias == nil ? 0 : 1, c: pc, ldc: n)
        return out
    }
}
