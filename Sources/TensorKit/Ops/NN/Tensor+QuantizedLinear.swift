extension Tensor {
    /// `x · weightᵀ + bias` with a frozen weight that stays in its blocks (Q4_1, Q8_0, Q4_K, ...,
    /// or F16/BF16/F32): ``linear(_:weight:bias:)`` for a ``QuantizedTensor``.
    ///
    /// `x` is float32 `[..., in]`, `weight` `[out, in]` (quantized by rows), `bias` float32
    /// `[out]` or nil; the result is `[..., out]`. The weight is decoded inside the product and
    /// never held as floats: many rows go through BLAS a tile of weight rows at a time (a small
    /// reused scratch buffer), up to four rows (decoding) dot `x` with the blocks directly.
    /// Results equal ``linear(_:weight:bias:)`` on `weight.dequantized()` up to float rounding.
    ///
    /// The weight is frozen: the backward gives the gradient of `x` (`dy · W`, tile by tile) and
    /// of the bias, and nothing is kept for the weight.
    ///
    /// ```swift
    /// let w = try gguf.quantizedTensor(named: "blk.0.ffn_down.weight")   // Q4_1 [576, 1536]
    /// let y = Tensor.quantizedLinear(x, weight: w)                       // [B, L, 1536] → [B, L, 576]
    /// ```
    public static func quantizedLinear(_ x: Tensor, weight: QuantizedTensor, bias: Tensor? = nil) -> Tensor {
        let op = "quantizedLinear"
        precondition(weight.shape.count == 2 && x.rank >= 1 && x.shape[x.rank - 1] == weight.shape[1],
                     "\(op): input \(x.shape) and \(weight.type.name) weight \(weight.shape) do not fit ([..., in] and [out, in])")
        precondition(weight.type.isDequantizable, "\(op): \(weight.type.name) weight \(weight.shape) cannot be dequantized")
        precondition(x.dtype == .float32, "\(op): needs a float32 input, got \(x.dtype) \(x.shape)")
        let outFeatures = weight.shape[0]
        if let bias {
            precondition(bias.shape == [outFeatures] && bias.dtype == .float32,
                         "\(op): bias must be float32 [\(outFeatures)], got \(bias.dtype) \(bias.shape)")
        }
        let rowCount = x.shape.dropLast().reduce(1, *)
        let input = x.detachedContiguous()
        let b = bias?.detachedContiguous()
        let result = Tensor(uninitializedShape: Array(x.shape.dropLast()) + [outFeatures], dtype: .float32)
        QuantizedMatmul.forward(input.pointer(as: Float.self), rows: rowCount, weight: weight,
                                bias: b.map { UnsafePointer($0.pointer(as: Float.self)) }, into: result.pointer(as: Float.self))
        withExtendedLifetime((input, b)) {}
        let inputs = bias.map { [x, $0] } ?? [x]
        // Flags and a shape, not the input: nothing here reads `x` in the backward, so it is
        // freed as soon as the forward moves on.
        let inputShape = x.shape, inputGradient = x.requiresGrad
        let biasGradient: Bool? = bias.map(\.requiresGrad)
        return Tensor.record(op, output: result, inputs: inputs) { gradient in
            let g = gradient.detachedContiguous()
            var grads: [Tensor?] = [nil]
            if inputGradient {
                let dx = Tensor(uninitializedShape: inputShape, dtype: .float32)
                QuantizedMatmul.inputGradient(g.pointer(as: Float.self), rows: rowCount, weight: weight,
                                              into: dx.pointer(as: Float.self))
                withExtendedLifetime(g) {}
                grads[0] = dx
            }
            if let biasGradient { grads.append(biasGradient ? g.reshape([rowCount, outFeatures]).sum(axes: [0]) : nil) }
            return grads
        }
    }
}
