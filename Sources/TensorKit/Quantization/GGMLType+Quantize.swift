extension GGMLType {
    /// Whether ``quantize(_:count:into:)`` can encode this type (F32, F16, BF16, Q8_0): the
    /// formats the GGUF writer produces.
    public var isQuantizable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q8_0: return true
        default: return false
        }
    }

    /// Encodes `count` floats (a multiple of ``blockSize``) at `values` into
    /// `count / blockSize` blocks at `blocks`.
    ///
    /// Bit-identical to `gguf.quants.quantize` (and ggml's reference quantizer): Q8_0 takes
    /// `d = max|x| / 127`, stores `d` as f16 and `round(x / d)` (halves away from zero, computed
    /// as `x × (1 / d)` in float32) as signed bytes; F16 and BF16 round to nearest even.
    /// Non-finite inputs give unspecified values, never a crash.
    public func quantize(_ values: UnsafePointer<Float>, count: Int, into blocks: UnsafeMutableRawPointer) {
        precondition(count >= 0 && count % blockSize == 0,
                     "GGMLType.quantize: \(count) values are not whole \(name) blocks of \(blockSize)")
        switch self {
        case .f32:
            blocks.copyMemory(from: values, byteCount: count * 4)
        case .f16:
            for i in 0..<count { blocks.storeBytes(of: HalfConversion.float16Bits(from: values[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<count { blocks.storeBytes(of: HalfConversion.bfloat16Bits(from: values[i]), toByteOffset: 2 * i, as: UInt16.self) }
        case .q8_0:
            for b in 0..<count / 32 { Self.quantizeQ8_0(values + 32 * b, into: blocks + 34 * b) }
        default:
            preconditionFailure("GGMLType.quantize: \(name) cannot be written (see GGMLType.isQuantizable)")
        }
    }

    private static func quantizeQ8_0(_ x: UnsafePointer<Float>, into block: UnsafeMutableRawPointer) {
        var amax: Float = 0
        for j in 0..<32 { amax = Swift.max(amax, Swift.abs(x[j])) }
        let d = amax / 127
        let inverse: Float = d == 0 ? 0 : 1 / d
        block.storeBytes(of: HalfConversion.float16Bits(from: d), as: UInt16.self)
        for j in 0..<32 {
            let q = (x[j] * inverse).rounded(.toNearestOrAwayFromZero)
            // |q| <= 127 for finite input; the clamp only keeps NaN and infinities from trapping.
            let byte: Int8 = q.isNaN ? 0 : Int8(Swift.max(-127, Swift.min(127, q)))
            block.storeBytes(of: byte, toByteOffset: 2 + j, as: Int8.self)
        }
    }
}
