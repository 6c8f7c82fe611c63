/// Decoders for ggml's 32-value blocks: Q4_0, Q4_1, Q5_0, Q5_1 and Q8_0.
///
/// Each block starts with an f16 scale `d` (and, for the `_1` types, an f16 offset `m`); the
/// values are `d * q` or `d * q + m` with `q` the block's packed integers. In the 4- and 5-bit
/// types, byte `j` holds value `j` in its low nibble and value `j + 16` in its high nibble; the
/// fifth bits sit in a little-endian `UInt32` (bit `i` for value `i`).
///
/// The arithmetic is exactly the reference's (`gguf.quants` and ggml): one float32 multiply,
/// then one add, each rounded, so results are bit-identical. Swift does not fuse `a * b + c`
/// into an FMA on its own, which that identity relies on.
enum LegacyQuantBlocks {
    /// Q4_0 (18 bytes): `d`, 16 bytes of nibbles; value = d × (nibble − 8).
    static func q4_0(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 18, y = out + b * 32
            let d = BlockScale.half(block, 0)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 2 + j, as: UInt8.self)
                y[j] = d * Float(Int32(byte & 0x0F) - 8)
                y[j + 16] = d * Float(Int32(byte >> 4) - 8)
            }
        }
    }

    /// Q4_1 (20 bytes): `d`, `m`, 16 bytes of nibbles; value = d × nibble + m.
    static func q4_1(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 20, y = out + b * 32
            let d = BlockScale.half(block, 0), m = BlockScale.half(block, 2)
            for j in 0..<16 {
                let byte = block.load(fromByteOffset: 4 + j, as: UInt8.self)
                y[j] = d * Float(byte & 0x0F) + m
                y[j + 16] = d * Float(byte >> 4) + m
            }
        }
    }

    /// Q5_0 (22 bytes): `d`, 4 bytes of fifth bits, 16 bytes of nibbles; value = d × (q − 16).
    static func q5_0(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 22, y = out + b * 32
            let d = BlockScale.half(block, 0)
            let high = block.loadUnaligned(fromByteOffset: 2, as: UInt32.self)
            for j in 0..<16 {
                let byte = UInt32(block.load(fromByteOffset: 6 + j, as: UInt8.self))
                // Masks with constant bits (not shifts by j) let the loop vectorize on SSE2.
                let low = (byte & 0x0F) | (high & (1 << UInt32(j)) != 0 ? 16 : 0)
                let upper = (byte >> 4) | (high & (1 << UInt32(j + 16)) != 0 ? 16 : 0)
                y[j] = d * Float(Int32(low) - 16)
                y[j + 16] = d * Float(Int32(upper) - 16)
            }
        }
    }

    /// Q5_1 (24 bytes): `d`, `m`, 4 bytes of fifth bits, 16 bytes of nibbles; value = d × q + m.
    static func q5_1(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 24, y = out + b * 32
            let d = BlockScale.half(block, 0), m = BlockScale.half(block, 2)
            let high = block.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            for j in 0..<16 {
                let byte = UInt32(block.load(fromByteOffset: 8 + j, as: UInt8.self))
                // Masks with constant bits (not shifts by j) let the loop vectorize on SSE2.
                let low = (byte & 0x0F) | (high & (1 << UInt32(j)) != 0 ? 16 : 0)
                let upper = (byte >> 4) | (high & (1 << UInt32(j + 16)) != 0 ? 16 : 0)
                y[j] = d * Float(low) + m
                y[j + 16] = d * Float(upper) + m
            }
        }
    }

    /// Q8_0 (34 bytes): `d`, 32 signed bytes; value = q × d.
    static func q8_0(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for b in 0..<count {
            let block = blocks + b * 34, y = out + b * 32
            let d = BlockScale.half(block, 0)
            for j in 0..<32 {
                y[j] = Float(block.load(fromByteOffset: 2 + j, as: Int8.self)) * d
            }
        }
    }
}
