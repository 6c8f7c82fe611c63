import CQuantizedKernels

/// `y = x · Wᵀ + b` for a few input rows, straight from `W`'s blocks: the decoding kernel.
///
/// A batch-1 decode step is bound by reading the weights, so each weight row is read once, at
/// its quantized size, and dotted with every input row while it is in L1. For Q4_0, Q4_1 and
/// Q8_0 a block's 32 integers are dotted with `x` — on x86-64 in 16-bit integer multiply-adds
/// against `x` split once per call into high and low 16-bit parts (``Int16Rows``), elsewhere
/// widened to floats in registers (``BlockDots``); the block's scale multiplies that partial
/// sum — one multiply per block instead of one per weight — and its offset (Q4_1's `m`, Q4_0's
/// `−8d`) multiplies the block's sum of `x`, computed once per call. On x86-64 CPUs with AVX2
/// the same integer dots run in C (`CQuantizedKernels`, compiled for AVX2 per function and
/// chosen at run time), twice as wide. Other types decode 256 values of a row at a time into a
/// stack buffer and dot that. Output rows are split over threads.
enum FusedQuantizedRows {
    /// Which implementation dots the 32-value block formats.
    enum Kernel {
        /// Swift: SSE2 integer dots on x86-64, float dots elsewhere.
        case swift
        /// The C AVX2 kernels (x86-64 with AVX2, FMA and F16C only).
        case avx2

        /// AVX2 where the CPU has it, else Swift.
        static let preferred: Kernel = cqk_avx2_available() != 0 ? .avx2 : .swift
    }

    /// `y [n, out] = x [n, in] · Wᵀ + bias`, for any dequantizable type; `kernel` (tests pick
    /// one) applies to Q4_0, Q4_1 and Q8_0.
    static func forward(_ x: UnsafePointer<Float>, rows n: Int, weight: QuantizedTensor,
                        bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                        kernel: Kernel = .preferred) {
        let problem = Problem(x: x, n: n, inFeatures: weight.rowLength, out: weight.rowCount,
                              rowBytes: weight.rowByteCount, bias: bias, y: y)
        weight.withUnsafeBlocks { base in
            switch weight.type {
            case .q4_0: run(Q4_0Format.self, problem, base, kernel)
            case .q4_1: run(Q4_1Format.self, problem, base, kernel)
            case .q8_0: run(Q8_0Format.self, problem, base, kernel)
            default:
                let type = weight.type
                Parallel.forRanges(problem.out, costPerItem: problem.inFeatures * n) { outputs in
                    decodedRows(type, problem, base, outputs)
                }
            }
        }
    }

    /// The operands of one call (row-major, contiguous).
    struct Problem {
        let x: UnsafePointer<Float>
        let n: Int
        let inFeatures: Int
        let out: Int
        let rowBytes: Int
        let bias: UnsafePointer<Float>?
        let y: UnsafeMutablePointer<Float>
    }

    /// The 32-value block formats dotted without decoding to memory (on x86-64 in integer
    /// multiply-adds with the input split into 16-bit parts: ``Int16Rows``).
    private static func run<F: FusedBlockFormat>(_ format: F.Type, _ p: Problem, _ base: UnsafeRawPointer, _ kernel: Kernel) {
        let blocks = p.inFeatures / 32
        #if arch(x86_64)
        let integers = Int16Rows(p.x, rows: p.n, blocks: blocks, kernel: kernel)
        defer { integers.deallocate() }
        #endif
        // Σx over each block of each input row, which Q4_1's offsets multiply.
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(1, F.hasOffset ? p.n * blocks : 1))
        defer { sums.deallocate() }
        if F.hasOffset {
            for i in 0..<p.n * blocks {
                var s: Float = 0
                for j in 0..<32 { s += p.x[32 * i + j] }
                sums[i] = s
            }
        }
        #if arch(x86_64)
        if kernel == .avx2 && p.n <= 4 {
            Parallel.forRanges(p.out, costPerItem: p.inFeatures * p.n) { outputs in
                cqk_fused_rows(F.kernelFormat, base, p.rowBytes, blocks, outputs.lowerBound, outputs.upperBound,
                               integers.parts, integers.scales, sums, p.n, p.bias, p.y, p.out)
            }
            return
        }
        #endif
        Parallel.forRanges(p.out, costPerItem: p.inFeatures * p.n) { outputs in
            for o in outputs {
                let row = base + o * p.rowBytes
                let b = p.bias?[o] ?? 0
                for r in 0..<p.n {
                    #if arch(x86_64)
                    let product = integerDot(F.self, row: row, parts: integers.parts + r * blocks * 64,
                                             scales: integers.scales + r * blocks, blocks: blocks, blockSums: sums + r * blocks)
                    #else
                    let product = dot(F.self, row: row, x: p.x + r * p.inFeatures, blocks: blocks, blockSums: sums + r * blocks)
                    #endif
                    p.y[r * p.out + o] = product + b
                }
            }
        }
    }

    /// One weight row (`blocks` blocks of `F`) dotted with one input row.
    @inline(__always)
    private static func dot<F: FusedBlockFormat>(_ format: F.Type, row: UnsafeRawPointer, x: UnsafePointer<Float>,
                                                 blocks: Int, blockSums: UnsafePointer<Float>) -> Float {
        var total = SIMD4<Float>(), offsets: Float = 0
        for b in 0..<blocks {
            let block = row + b * F.byteCount
            let (sum, scale, offset) = F.dot(block, x + 32 * b)
            total += sum * scale
            if F.hasOffset { offsets += offset * blockSums[b] }
        }
        return total.sum() + offsets
    }

    #if arch(x86_64)
    /// ``dot(_:row:x:blocks:blockSums:)`` against the input's 16-bit parts.
    @inline(__always)
    private static func integerDot<F: FusedBlockFormat>(_ format: F.Type, row: UnsafeRawPointer, parts: UnsafePointer<Int16>,
                                                        scales: UnsafePointer<Float>, blocks: Int,
                                                        blockSums: UnsafePointer<Float>) -> Float {
        var total = SIMD4<Float>(), offsets: Float = 0
        for b in 0..<blocks {
            let block = row + b * F.byteCount
            let (sum, scale, offset) = F.integerDot(block, parts + 64 * b)
            total += sum * (scale * scales[b])
            if F.hasOffset { offsets += offset * blockSums[b] }
        }
        return total.sum() + offsets
    }
    #endif

    /// Any other type: 256 values of the row at a time decoded into a stack buffer, then dotted.
    private static func decodedRows(_ type: GGMLType, _ p: Problem, _ base: UnsafeRawPointer, _ outputs: Range<Int>) {
        let chunk = 256  // a multiple of every dequantizable block size (1, 32, 256)
        let valuesPerBlock = type.blockSize, bytesPerBlock = type.blockByteCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: chunk) { buffer in
            guard let values = buffer.baseAddress else { return }
            for o in outputs {
                let row = base + o * p.rowBytes
                for r in 0..<p.n { p.y[r * p.out + o] = p.bias?[o] ?? 0 }
                var start = 0
                while start < p.inFeatures {
                    let count = Swift.min(chunk, p.inFeatures - start)
                    type.dequantize(blocks: row + start / valuesPerBlock * bytesPerBlock, count: count / valuesPerBlock,
                                    into: values)
                    for r in 0..<p.n {
                        p.y[r * p.out + o] += FloatRows.dot(values, p.x + r * p.inFeatures + start, count)
                    }
                    start += count
                }
            }
        }
    }
}

/// A 32-value block format whose values are `scale × q + offset` with small integers `q`.
protocol FusedBlockFormat {
    /// Bytes per block.
    static var byteCount: Int { get }
    /// Whether values have an offset (Q4_1's `m`; Q4_0's `−8d`), which multiplies the block's Σx.
    static var hasOffset: Bool { get }
    /// The format's name in the C kernels.
    static var kernelFormat: CQKFormat { get }
    /// `Σ q[j]·x[j]` over the block's 32 integers (in four lanes), with its scale and offset.
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> (sum: SIMD4<Float>, scale: Float, offset: Float)
    #if arch(x86_64)
    /// The same with the input block as 16-bit parts (``Int16Rows``), before its scale.
    static func integerDot(_ block: UnsafeRawPointer, _ parts: UnsafePointer<Int16>) -> (sum: SIMD4<Float>, scale: Float, offset: Float)
    #endif
}

/// Q4_0: `d`, 16 bytes of nibbles (value `j` low, `j + 16` high); value = d × nibble − 8d.
enum Q4_0Format: FusedBlockFormat {
    static var kernelFormat: CQKFormat { CQKFormatQ4_0 }
    static var byteCount: Int { 18 }
    static var hasOffset: Bool { true }
    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> (sum: SIMD4<Float>, scale: Float, offset: Float) {
        let d = BlockScale.half(block, 0)
        return (BlockDots.nibbles(block + 2, x), d, -8 * d)
    }
    #if arch(x86_64)
    @inline(__always)
    static func integerDot(_ block: UnsafeRawPointer, _ parts: UnsafePointer<Int16>) -> (sum: SIMD4<Float>, scale: Float, offset: Float) {
        let d = BlockScale.half(block, 0)
        return (IntegerBlockDots.dot(IntegerBlockDots.nibbles(block + 2), parts), d, -8 * d)
    }
    #endif
}

/// Q4_1: `d`, `m`, 16 bytes of nibbles; value = d × nibble + m.
enum Q4_1Format: FusedBlockFormat {
    static var kernelFormat: CQKFormat { CQKFormatQ4_1 }
    static var byteCount: Int { 20 }
    static var hasOffset: Bool { true }
    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> (sum: SIMD4<Float>, scale: Float, offset: Float) {
        (BlockDots.nibbles(block + 4, x), BlockScale.half(block, 0), BlockScale.half(block, 2))
    }
    #if arch(x86_64)
    @inline(__always)
    static func integerDot(_ block: UnsafeRawPointer, _ parts: UnsafePointer<Int16>) -> (sum: SIMD4<Float>, scale: Float, offset: Float) {
        (IntegerBlockDots.dot(IntegerBlockDots.nibbles(block + 4), parts), BlockScale.half(block, 0), BlockScale.half(block, 2))
    }
    #endif
}

/// Q8_0: `d`, 32 signed bytes; value = d × q.
enum Q8_0Format: FusedBlockFormat {
    static var kernelFormat: CQKFormat { CQKFormatQ8_0 }
    static var byteCount: Int { 34 }
    static var hasOffset: Bool { false }
    @inline(__always)
    static func dot(_ block: UnsafeRawPointer, _ x: UnsafePointer<Float>) -> (sum: SIMD4<Float>, scale: Float, offset: Float) {
        (BlockDots.signedBytes(block + 2, x), BlockScale.half(block, 0), 0)
    }
    #if arch(x86_64)
    @inline(__always)
    static func integerDot(_ block: UnsafeRawPointer, _ parts: UnsafePointer<Int16>) -> (sum: SIMD4<Float>, scale: Float, offset: Float) {
        (IntegerBlockDots.dot(IntegerBlockDots.signedBytes(block + 2), parts), BlockScale.half(block, 0), 0)
    }
    #endif
}
