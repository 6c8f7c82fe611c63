extension Tensor {
    /// SwiGLU's gating `silu(gate) · up` as one fused op (`gate`, `up` the same shape, float32 or
    /// float64), as `F.silu(gate) * up` in PyTorch.
    ///
    /// One pass forward, one pass backward (both input gradients from the same loop), and the
    /// only tensors kept for the backward are the two inputs: the composition would also keep
    /// `silu(gate)` and run three passes each way.
    ///
    /// ```swift
    /// let hidden = Tensor.siluGate(gate: gateProjection(x), up: upProjection(x))
    /// ```
    public static func siluGate(gate: Tensor, up: Tensor) -> Tensor {
        let op = "siluGate"
        precondition(gate.shape == up.shape && gate.dtype == up.dtype && gate.dtype.isFloatingPoint,
                     "\(op): gate and up must be float tensors of one shape and dtype, got \(gate.dtype) \(gate.shape) and \(up.dtype) \(up.shape)")
        let width = gate.rank == 0 ? 1 : gate.shape[gate.rank - 1]
        let a = gate.detach().contiguous(), b = up.detach().contiguous()
        let out = Tensor(uninitializedShape: gate.shape, dtype: gate.dtype)
        SiLUGateRows.forward(gate: a, gateStride: width, gateOffset: 0, up: b, upStride: width, upOffset: 0,
                             into: out, width: width, op: op)
        return Tensor.record(op, output: out, inputs: [gate, up]) { gradient in
            let dGate = Tensor(uninitializedShape: a.shape, dtype: a.dtype)
            let dUp = Tensor(uninitializedShape: b.shape, dtype: b.dtype)
            SiLUGateRows.backward(gradient, gate: a, gateStride: width, gateOffset: 0, up: b, upStride: width, upOffset: 0,
                                  dGate: dGate, dUp: dUp, width: width, op: op)
            return [dGate, dUp]
        }
    }

    /// ``siluGate(gate:up:)`` on the packed output of one gate/up product: `packed [..., 2·H]`,
    /// each row the `H` gate columns, then the `H` up columns (what
    /// ``linear(_:weights:biases:)`` with the gate and up weights makes). Returns `[..., H]`.
    ///
    /// The halves are read in place, and the backward writes both gradients into one
    /// `[..., 2·H]` buffer at the same places, so the gradient reaching the packed product is
    /// that buffer as is: no split, no concatenation.
    ///
    /// ```swift
    /// let packed = Tensor.linear(x, weights: [wGate, wUp], biases: [nil, nil])   // [N, 2·H]
    /// let hidden = Tensor.siluGate(packed: packed)                               // [N, H]
    /// ```
    public static func siluGate(packed: Tensor) -> Tensor {
        let op = "siluGate(packed:)"
        precondition(packed.rank >= 1 && packed.shape[packed.rank - 1] % 2 == 0 && packed.dtype.isFloatingPoint,
                     "\(op): packed must be a float [..., 2·H] tensor, got \(packed.dtype) \(packed.shape)")
        let full = packed.shape[packed.rank - 1], width = full / 2
        let source = packed.detach().contiguous()
        let out = Tensor(uninitializedShape: Array(packed.shape.dropLast()) + [width], dtype: packed.dtype)
        SiLUGateRows.forward(gate: source, gateStride: full, gateOffset: 0, up: source, upStride: full, upOffset: width,
                             into: out, width: width, op: op)
        return Tensor.record(op, output: out, inputs: [packed]) { gradient in
            let dPacked = Tensor(uninitializedShape: source.shape, dtype: source.dtype)
            SiLUGateRows.backward(gradient, gate: source, gateStride: full, gateOffset: 0, up: source, upStride: full,
                                  upOffset: width, dGate: dPacked, dUp: dPacked, width: width, op: op)
            return [dPacked]
        }
    }
}

/// Binds contiguous tensors to ``SiLUGateKernel``'s row operands by dtype.
private enum SiLUGateRows {
    static func forward(gate: Tensor, gateStride: Int, gateOffset: Int, up: Tensor, upStride: Int, upOffset: Int,
                        into out: Tensor, width: Int, op: String) {
        let rows = width == 0 ? 0 : out.count / width
        func bind<T>(_ t: Tensor, _ stride: Int, _ offset: Int, _: T.Type) -> SiLUGateKernel.Rows<T> {
            SiLUGateKernel.Rows(base: t.pointer(as: T.self) + offset, stride: stride)
        }
        switch out.dtype {
        case .float32:
            SiLUGateKernel.forward(gate: bind(gate, gateStride, gateOffset, Float.self), up: bind(up, upStride, upOffset, Float.self),
                                   out: bind(out, width, 0, Float.self), rows: rows, width: width)
        case .float64:
            SiLUGateKernel.forward(gate: bind(gate, gateStride, gateOffset, Double.self), up: bind(up, upStride, upOffset, Double.self),
                                   out: bind(out, width, 0, Double.self), rows: rows, width: width)
        default: preconditionFailure("\(op): needs float32 or float64, got \(out.dtype)")
        }
    }

    /// The gradients go where the operands were read from: `dGate` and `dUp` share the
    /// operands' strides and offsets (the same buffer twice for the packed form).
    static func backward(_ gradient: Tensor, gate: Tensor, gateStride: Int, gateOffset: Int, up: Tensor, upStride: Int,
                         upOffset: Int, dGate: Tensor, dUp: Tensor, width: Int, op: String) {
        let g = gradient.contiguous()
        let rows = width == 0 ? 0 : g.count / width
        func bind<T>(_ t: Tensor, _ stride: Int, _ offset: Int, _: T.Type) -> SiLUGateKernel.Rows<T> {
            SiLUGateKernel.Rows(base: t.pointer(as: T.self) + offset, stride: stride)
        }
        switch g.dtype {
        case .float32:
            SiLUGateKernel.backward(bind(g, width, 0, Float.self), gate: bind(gate, gateStride, gateOffset, Float.self),
                                    up: bind(up, upStride, upOffset, Float.self), dGate: bind(dGate, gateStride, gateOffset, Float.self),
                                    dUp: bind(dUp, upStride, upOffset, Float.self), rows: rows, width: width)
        case .float64:
            SiLUGateKernel.backward(bind(g, width, 0, Double.self), gate: bind(gate, gateStride, gateOffset, Double.self),
                                    up: bind(up, upStride, upOffset, Double.self), dGate: bind(dGate, gateStride, gateOffset, Double.self),
                                    dUp: bind(dUp, upStride, upOffset, Double.self), rows: rows, width: width)
        default: preconditionFailure("\(op): needs float32 or float64, got \(g.dtype)")
        }
    }
}
