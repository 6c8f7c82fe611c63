extension Tensor {
    /// `gelu(x · weightᵀ + bias)` as one op: the feed-forward up projection of BERT and GPT-2
    /// with its activation. Equals `Tensor.linear(x, weight: weight, bias: bias).gelu(approximate:)`.
    ///
    /// The GEMM writes the bare product, and one pass over it then adds the bias and applies
    /// GELU, instead of a pass writing the bias, the GEMM adding to it and a third pass for
    /// GELU. When nothing records gradients (inference) that pass works in place, so no second
    /// output-sized buffer is allocated. Otherwise the biased product is kept for the backward:
    /// the GELU derivative there, then the two GEMMs and the column sum of
    /// ``linear(_:weight:bias:)``.
    ///
    /// ```swift
    /// let hidden = Tensor.linearGELU(x, weight: up, bias: upBias)   // [N, in] → [N, out]
    /// ```
    public static func linearGELU(_ x: Tensor, weight: Tensor, bias: Tensor? = nil,
                                  approximate: GELUApproximation = .none) -> Tensor {
        let op = "linearGELU"
        checkLinearOperands(x, weight: weight, bias: bias, op: op)
        let (inFeatures, outFeatures) = (weight.shape[1], weight.shape[0])
        let rowCount = x.shape.dropLast().reduce(1, *)
        let rows = x.detach().reshape([rowCount, inFeatures])
        let w = weight.detach()
        let inputs = [x, weight] + (bias.map { [$0] } ?? [])
        let recording = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        let pre: Tensor
        switch x.dtype {
        case .float32: pre = LinearKernel.forward(rows, w, nil, Float.self)
        case .float64: pre = LinearKernel.forward(rows, w, nil, Double.self)
        default: preconditionFailure("\(op): needs float32 or float64, got \(x.dtype)")
        }
        // Inference: the activation overwrites the product. Training: the biased product stays
        // for the backward and the activation goes to a new tensor.
        let out = recording ? Tensor(uninitializedShape: pre.shape, dtype: pre.dtype) : pre
        BiasedGELU.apply(pre, bias: bias.map { $0.isContiguous ? $0.detach() : $0.detachedContiguous() },
                         out: out, approximate: approximate)
        let outputShape = Array(x.shape.dropLast()) + [outFeatures]
        guard recording else { return out.reshape(outputShape) }
        let inputShape = x.shape
        let savedRows = weight.requiresGrad ? rows : nil, savedWeight = x.requiresGrad ? w : nil
        let biasGradient: Bool? = bias.map(\.requiresGrad)
        return Tensor.record(op, output: out.reshape(outputShape), inputs: inputs) { gradient in
            let g = gradient.reshape([rowCount, outFeatures])
            let d: Tensor
            switch approximate {
            case .none: d = FloatMap.binary(g, pre, op: "\(op) backward", costPerElement: 12, ActivationFunctions.GeluErfGrad())
            case .tanh: d = FloatMap.binary(g, pre, op: "\(op) backward", costPerElement: 12, ActivationFunctions.GeluTanhGrad())
            }
            var grads: [Tensor?] = [savedWeight.map { d.matmul($0).reshape(inputShape) }, savedRows.map { d.transposed().matmul($0) }]
            if let biasGradient { grads.append(biasGradient ? d.sum(axes: [0]) : nil) }
            return grads
        }
    }
}

/// The pass of ``Tensor/linearGELU(_:weight:bias:approximate:)`` after its GEMM.
private enum BiasedGELU {
    /// Adds `bias` to every row of `pre` `[N, out]` (in place) and writes GELU of the sum to
    /// `out` (which may be `pre`), rows split across cores; without a bias, GELU of `pre`.
    static func apply(_ pre: Tensor, bias: Tensor?, out: Tensor, approximate: GELUApproximation) {
        switch (pre.dtype, approximate) {
        case (.float32, .none): rows(Float.self, pre, bias, out, ActivationFunctions.GeluErf())
        case (.float32, .tanh): rows(Float.self, pre, bias, out, ActivationFunctions.GeluTanh())
        case (_, .none): rows(Double.self, pre, bias, out, ActivationFunctions.GeluErf())
        case (_, .tanh): rows(Double.self, pre, bias, out, ActivationFunctions.GeluTanh())
        }
    }

    private static func rows<T: FloatLanes & FloatingScalar, F: UnaryLaneFunction>(_ t: T.Type, _ pre: Tensor, _ bias: Tensor?,
                                                                                  _ out: Tensor, _ f: F) {
        let (m, n) = (pre.shape[0], pre.shape[1])
        let p = pre.pointer(as: T.self), o = out.pointer(as: T.self)
        guard let b = bias.map({ UnsafePointer($0.pointer(as: T.self)) }) else {
            if T.self == Float.self {
                return VectorMap.unary(FloatRows.floats(UnsafePointer(p)), into: FloatRows.floats(o), count: m * n,
                                       costPerElement: 8, f)
            }
            return Parallel.forRanges(m * n, costPerItem: 8) { range in for i in range { o[i] = f(p[i]) } }
        }
        Parallel.forRanges(m, costPerItem: n * 8) { range in
            for row in range {
                let (pr, or) = (p + row * n, o + row * n)
                if T.self == Float.self {
                    VectorMap.biasedUnary(FloatRows.floats(pr), bias: FloatRows.floats(b), into: FloatRows.floats(or), count: n, f)
                } else {
                    for j in 0..<n {
                        let v = pr[j] + b[j]
                        pr[j] = v
                        or[j] = f(v)
                    }
                }
            }
        }
    }
}
