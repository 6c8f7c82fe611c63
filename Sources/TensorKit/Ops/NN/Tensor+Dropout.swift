extension Tensor {
    /// Inverted dropout: zeroes each element with probability `probability` and scales the
    /// survivors by `1 / (1 − probability)`, so the expected value is unchanged.
    ///
    /// The mask comes from `generator` (the thread's default when nil), so a seeded generator
    /// gives the same mask every run; the backward multiplies by the same mask. When not
    /// `training`, or when `probability` is 0, it returns `x` itself. With `probability` 1 every
    /// element is dropped (zeros, as PyTorch).
    ///
    /// ```swift
    /// let h = Tensor.dropout(x, probability: 0.1, training: true, generator: Generator(seed: 0))
    /// ```
    public static func dropout(_ x: Tensor, probability: Double, training: Bool = true,
                               generator: Generator? = nil) -> Tensor {
        precondition(probability >= 0 && probability <= 1,
                     "dropout: probability must be in [0, 1], got \(probability) (input shape \(x.shape))")
        precondition(x.dtype.isFloatingPoint, "dropout: input must be float32 or float64, got \(x.dtype) (shape \(x.shape))")
        if !training || probability == 0 { return x }
        let mask = dropoutMask(shape: x.shape, dtype: x.dtype, probability: probability,
                               generator: generator ?? Generator.default)
        // The core multiply handles strided inputs and splits large tensors across cores.
        let out = withGradientsDisabled { x.detach() * mask }
        return Tensor.record("dropout", output: out, inputs: [x]) { gradient in [gradient * mask] }
    }

    /// A mask of `0` (dropped, with probability `p`) and `1 / (1 − p)` (kept). Each 64-bit draw
    /// gives two 32-bit uniforms, so the stream depends only on the seed and the element count.
    static func dropoutMask(shape: [Int], dtype: DType, probability: Double, generator: Generator) -> Tensor {
        let mask = Tensor(uninitializedShape: shape, dtype: dtype)
        let n = mask.count
        // An element is kept when its 32-bit uniform is at or above p·2³².
        let threshold = UInt64((probability * 4_294_967_296).rounded(.up))
        let keep = probability >= 1 ? 0 : 1 / (1 - probability)
        func fill<T: FloatingScalar>(_ p: UnsafeMutablePointer<T>) {
            let kept = T(keep)
            generator.withStream { stream in
                var i = 0
                while i + 1 < n {
                    let bits = stream.next()
                    p[i] = (bits & 0xFFFF_FFFF) >= threshold ? kept : 0
                    p[i + 1] = (bits >> 32) >= threshold ? kept : 0
                    i += 2
                }
                if i < n { p[i] = (stream.next() & 0xFFFF_FFFF) >= threshold ? kept : 0 }
            }
        }
        switch dtype {
        case .float32: fill(mask.pointer(as: Float.self))
        default: fill(mask.pointer(as: Double.self))
        }
        return mask
    }
}
