/// Decoders for ggml's K-quants: super-blocks of 256 values split into sub-blocks, each with its
/// own small integer scale (and, for Q4_K/Q5_K, minimum) multiplied by the block's f16 `d`
/// (and `dmin`).
///
/// As in `LegacyQuantBlocks`, every product and difference is a separately rounded float32
/// operation in the reference's order, so results are bit-identical to `gguf.quants`.
///
/// Bytes are widened to `UInt32` before the per-sub-block shifts: SSE2 has no byte shifts, and a
/// shift by a loop-invariant amount on 32-bit lanes keeps the inner loops vectorized.
enum KQuantBlocks {
    /// The 6-bit scale and minimum of sub-block `j` (0..<8), packed into 12 bytes at `scales`:
    /// bytes 0–3 hold the low 6 bits of scales 0–3 (top 2 bits: high bits of scales 4–7), bytes
    /// 4–7 the same for the minimums, bytes 8–11 the low nibbles of scales/minimums 4–7.
    @inline(__always)
    static func scaleAndMin(_ scales: UnsafeRawPointer, _ j: Int) -> (scale: Float, min: Float) {
        func byte(_ i: Int) -> UInt8 { scales.load(fromByteOffset: i, as: UInt8.self) }
        if j < 4 { return (Float(byte(j) & 63), Float(byte(j + 4) & 63)) }
        let scale = (byte(j + 4) & 0x0F) | (byte(j - 4) >> 6) << 4
        let min = (byte(j + 4) >> 4) | (byte(j) >> 6) << 4
        return (Float(scale), Float(min))
    }

    /// Q4_K (144 bytes): `d`, `dmin`, 12 bytes of scales, 128 bytes of nibbles. Sub-block `g` of
    /// 32 values is nibble half `g % 2` of bytes `32 × (g / 2) ..< 32 × (g / 2) + 32`;
    /// value = (d × scale) × q − (dmin × min).
    static func q4_K(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 144, y = out + b * 256
            let d = BlockScale.half(block, 0), dmin = BlockScale.half(block, 2)
            let qs = block + 16
            for g in 0..<8 {
                let (scale, min) = scaleAndMin(block + 4, g)
                let dl = d * scale, ml = dmin * min
                let bytes = qs + 32 * (g / 2), shift = UInt32(4 * (g % 2)), z = y + 32 * g
                for l in 0..<32 {
                    z[l] = dl * Float((UInt32(bytes.load(fromByteOffset: l, as: UInt8.self)) &>> shift) & 0x0F) - ml
                }
            }
        }
    }

    /// Q5_K (176 bytes): as Q4_K with 32 bytes of fifth bits after the scales (bit `g` of byte
    /// `l` belongs to value `l` of sub-block `g`).
    static func q5_K(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 176, y = out + b * 256
            let d = BlockScale.half(block, 0), dmin = BlockScale.half(block, 2)
            let qh = block + 16, qs = block + 48
            for g in 0..<8 {
                let (scale, min) = scaleAndMin(block + 4, g)
                let dl = d * scale, ml = dmin * min
                let bytes = qs + 32 * (g / 2), shift = UInt32(4 * (g % 2)), z = y + 32 * g
                for l in 0..<32 {
                    let low = (UInt32(bytes.load(fromByteOffset: l, as: UInt8.self)) &>> shift) & 0x0F
                    let high = (UInt32(qh.load(fromByteOffset: l, as: UInt8.self)) &>> UInt32(g)) & 1
                    z[l] = dl * Float(low | high << 4) - ml
                }
            }
        }
    }

    /// Q6_K (210 bytes): 128 bytes of low nibbles, 64 bytes of 2-bit high parts, 16 signed
    /// 8-bit scales (one per 16 values), `d` last; value = (d × scale) × (q − 32). Each half of
    /// 128 values takes 64 low-nibble bytes and 32 high-bit bytes: sub-block `s` (0..<4) of 32
    /// uses low-nibble bytes `32 × (s % 2)` (nibble `s / 2`) and bits `2s, 2s + 1` of the high bytes.
    static func q6_K(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 210, y = out + b * 256
            let d = BlockScale.half(block, 208)
            for half in 0..<2 {
                let ql = block + 64 * half, qh = block + 128 + 32 * half
                for s in 0..<4 {
                    let low = ql + 32 * (s % 2), lowShift = UInt32(4 * (s / 2)), highShift = UInt32(2 * s)
                    for part in 0..<2 {
                        let first = 128 * half + 32 * s + 16 * part
                        let scale = d * Float(block.load(fromByteOffset: 192 + first / 16, as: Int8.self))
                        let z = y + first
                        for l in 16 * part..<16 * part + 16 {
                            let q = (UInt32(low.load(fromByteOffset: l, as: UInt8.self)) &>> lowShift) & 0x0F
                                | ((UInt32(qh.load(fromByteOffset: l, as: UInt8.self)) &>> highShift) & 3) << 4
                            z[l - 16 * part] = scale * Float(Int32(q) - 32)
                        }
                    }
                }
            }
        }
    }
}
