extension GGMLType {
    /// Decodes `count` consecutive blocks at `blocks` into `count × blockSize` floats at
    /// `destination`: the kernel a quantized matmul calls tile by tile.
    ///
    /// Results are bit-identical to `gguf.quants.dequantize` (the `gguf` Python package) and to
    /// ggml. `blocks` needs no alignment. The type must be ``isDequantizable``; anything else is
    /// a programmer error (check the type when loading, as ``GGUFFile`` does).
    ///
    /// ```swift
    /// var row = [Float](repeating: 0, count: 576)
    /// GGMLType.q4_1.dequantize(blocks: rowBytes, count: 576 / 32, into: &row)
    /// ```
    public func dequantize(blocks: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(count >= 0, "GGMLType.dequantize: negative block count \(count)")
        switch self {
        case .f32: UnsafeMutableRawPointer(destination).copyMemory(from: blocks, byteCount: count * 4)
        case .f16: PlainFloatBlocks.f16(blocks, count, destination)
        case .bf16: PlainFloatBlocks.bf16(blocks, count, destination)
        case .q4_0: LegacyQuantBlocks.q4_0(blocks, count, destination)
        case .q4_1: LegacyQuantBlocks.q4_1(blocks, count, destination)
        case .q5_0: LegacyQuantBlocks.q5_0(blocks, count, destination)
        case .q5_1: LegacyQuantBlocks.q5_1(blocks, count, destination)
        case .q8_0: LegacyQuantBlocks.q8_0(blocks, count, destination)
        case .q4_K: KQuantBlocks.q4_K(blocks, count, destination)
        case .q5_K: KQuantBlocks.q5_K(blocks, count, destination)
        case .q6_K: KQuantBlocks.q6_K(blocks, count, destination)
        default: preconditionFailure("GGMLType.dequantize: \(name) cannot be dequantized (see GGMLType.isDequantizable)")
        }
    }

    /// Decodes rows `rows` of a row-major matrix stored in this type, rows of `rowLength` values
    /// each (a multiple of ``blockSize``), starting at `base`, into `rows.count × rowLength`
    /// floats at `destination`.
    public func dequantizeRows(_ rows: Range<Int>, rowLength: Int, of base: UnsafeRawPointer,
                               into destination: UnsafeMutablePointer<Float>) {
        guard let rowBytes = byteCount(forValues: rowLength) else {
            preconditionFailure("GGMLType.dequantizeRows: row length \(rowLength) is not a multiple of \(name)'s block size \(blockSize)")
        }
        precondition(rows.lowerBound >= 0, "GGMLType.dequantizeRows: negative row \(rows.lowerBound)")
        dequantize(blocks: base + rows.lowerBound * rowBytes, count: rows.count * (rowLength / blockSize), into: destination)
    }
}

/// The plain 16-bit float formats, one value per "block".
enum PlainFloatBlocks {
    static func f16(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            out[i] = BlockScale.half(blocks, 2 * i)
        }
    }

    static func bf16(_ blocks: UnsafeRawPointer, _ count: Int, _ out: UnsafeMutablePointer<Float>) {
        for i in 0..<count {
            out[i] = Float(bitPattern: UInt32(blocks.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16)
        }
    }
}
