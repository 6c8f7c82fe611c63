extension Tensor {
    /// Several linear maps of the same input as one GEMM: `x · [W₀; W₁; …]ᵀ + [b₀, b₁, …]`, the
    /// outputs side by side in the last axis (the query, key and value projections of attention,
    /// or the gate and up projections of a gated feed-forward network).
    ///
    /// `x` is `[..., in]`, each `weights[i]` `[outᵢ, in]`, each `biases[i]` `[outᵢ]` or nil (all
    /// nil or none); the result is `[..., Σ outᵢ]`. It equals `concat` of the separate
    /// ``linear(_:weight:bias:)`` products, but the output is one tensor (no concat), the bias
    /// is written once, and the backward computes the weight gradients as one GEMM whose rows
    /// are the separate gradients (contiguous views, no copies) and the input gradient without
    /// adds between separate results.
    ///
    /// With at least as many input rows `N` as outputs `Σ outᵢ` (per extra weight), the weights are
    /// copied side by side on each call (and again for the input gradient, so no copy is kept
    /// between the passes) and BLAS runs one larger product reading the input once. With fewer
    /// rows, each weight runs its own product into its block of the output's columns (and of
    /// the input gradient's sum), read in place: re-reading the `N × in` input costs less than
    /// copying the `Σ outᵢ × in` weights (SmolLM2's gate/up pair on 512 tokens: 0.3 M against
    /// 1.8 M elements a call).
    ///
    /// ```swift
    /// let qkv = Tensor.linear(x, weights: [wq, wk, wv], biases: [bq, bk, bv])   // [B, L, 3·dim]
    /// ```
    public static func linear(_ x: Tensor, weights: [Tensor], biases: [Tensor?]) -> Tensor {
        let op = "linear(weights:)"
        precondition(!weights.isEmpty && biases.count == weights.count,
                     "\(op): needs one bias slot per weight, got \(weights.count) weights and \(biases.count) biases")
        precondition(x.rank >= 1 && weights.allSatisfy { $0.rank == 2 && $0.shape[1] == x.shape[x.rank - 1] },
                     "\(op): input \(x.shape) and weights \(weights.map(\.shape)) do not fit ([..., in] and [outᵢ, in])")
        precondition(x.dtype.isFloatingPoint && weights.allSatisfy { $0.dtype == x.dtype },
                     "\(op): input and weights must share a float dtype, got \(x.dtype) and \(weights.map(\.dtype))")
        let hasBias = biases[0] != nil
        precondition(biases.allSatisfy { ($0 != nil) == hasBias },
                     "\(op): either every weight has a bias or none has")
        for (w, b) in zip(weights, biases) {
            if let b {
                precondition(b.shape == [w.shape[0]] && b.dtype == x.dtype,
                             "\(op): bias must be \(x.dtype) [\(w.shape[0])], got \(b.dtype) \(b.shape)")
            }
        }
        let sizes = weights.map { $0.shape[0] }
        let inFeatures = x.shape[x.rank - 1], outFeatures = sizes.reduce(0, +)
        let rowCount = x.shape.dropLast().reduce(1, *)
        // Detached: the node below is the only one this op records. With fewer rows than
        // outputs, one product per weight (each re-reading the `rows × in` input) moves less
        // memory than copying the `Σ outᵢ × in` weights side by side for one product (SmolLM2's
        // gate/up pair: 512 rows against 3,072 outputs).
        let separately = rowCount * (weights.count - 1) < outFeatures
        let parts = weights.map { $0.detach() }
        let operands = separately ? parts : [withGradientsDisabled { Tensor.concat(parts, axis: 0) }]
        let stackedBias = hasBias ? withGradientsDisabled { Tensor.concat(biases.map { $0!.detach() }, axis: 0) } : nil
        let rows = x.detach().reshape([rowCount, inFeatures])
        let out: Tensor
        switch x.dtype {
        case .float32: out = LinearKernel.forward(rows, operands, stackedBias, Float.self)
        case .float64: out = LinearKernel.forward(rows, operands, stackedBias, Double.self)
        default: preconditionFailure("\(op): needs float32 or float64, got \(x.dtype)")
        }
        let result = out.reshape(Array(x.shape.dropLast()) + [outFeatures])
        let inputs = [x] + weights + (hasBias ? biases.map { $0! } : [])
        // The rule keeps only what its gradients read: the input for the weights' gradients,
        // the weights for the input's (frozen gate/up weights: the input is freed after the
        // forward). It stacks the weights again rather than keeping this copy alive from the
        // forward to the backward (for SwiGLU's gate/up pair of SmolLM2, 7 MB per layer).
        let inputShape = x.shape
        let weightGradients = weights.map(\.requiresGrad)
        let biasGradients = hasBias ? biases.map { $0!.requiresGrad } : []
        let savedRows = weightGradients.contains(true) ? rows : nil
        let savedWeights = x.requiresGrad ? weights.map { $0.detach() } : nil
        return Tensor.record(op, output: result, inputs: inputs) { gradient in
            let g = gradient.reshape([rowCount, outFeatures])
            var starts = [0]
            for size in sizes { starts.append(starts[starts.count - 1] + size) }
            func part(_ t: Tensor, _ i: Int, axis: Int) -> Tensor { t.slice(axis: axis, starts[i]..<starts[i + 1]) }
            let dx = savedWeights.map { parts -> Tensor in
                guard separately else { return g.matmul(withGradientsDisabled { Tensor.concat(parts, axis: 0) }).reshape(inputShape) }
                switch g.dtype {
                case .float32: return LinearKernel.inputGradient(g, parts, Float.self).reshape(inputShape)
                default: return LinearKernel.inputGradient(g, parts, Double.self).reshape(inputShape)
                }
            }
            var dWeights = [Tensor?](repeating: nil, count: weightGradients.count)
            if let rows = savedRows {
                if !weightGradients.contains(false) {
                    // One product for all; each weight's gradient is a contiguous block of its rows.
                    let all = g.transposed().matmul(rows)
                    dWeights = weightGradients.indices.map { part(all, $0, axis: 0) }
                } else {
                    dWeights = weightGradients.indices.map { weightGradients[$0] ? part(g, $0, axis: 1).transposed().matmul(rows) : nil }
                }
            }
            var grads: [Tensor?] = [dx] + dWeights
            if hasBias {
                let sums = biasGradients.contains(true) ? g.sum(axes: [0]) : nil
                grads += biasGradients.indices.map { i in biasGradients[i] ? sums.map { part($0, i, axis: 0) } : nil }
            }
            return grads
        }
    }
}
