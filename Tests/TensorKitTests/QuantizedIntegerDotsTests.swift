import Testing
@testable import TensorKit

#if arch(x86_64)
/// The 16-bit split of input rows behind the fused kernels' integer dot products.
@Suite struct QuantizedIntegerDotsTests {
    @Test func partsRebuildEveryValueToFloatPrecision() {
        // Values spanning six orders of magnitude in one block, a zero block, and a block of
        // one tiny value among zeros.
        var x: [Float] = (0..<32).map { j in
            let sign: Float = j % 2 == 0 ? 1 : -1
            let size: Float = j % 5 == 0 ? 1e-5 : 1
            return sign * Float(j + 1) * 0.37 * size
        }
        x += [Float](repeating: 0, count: 32)
        x += [3e-30] + [Float](repeating: 0, count: 31)
        let rows = x.withUnsafeBufferPointer { Int16Rows($0.baseAddress!, rows: 1, blocks: 3) }
        defer { rows.deallocate() }
        for i in 0..<x.count {
            let block = i / 32, j = i % 32
            let high = Float(rows.parts[64 * block + j]), low = Float(rows.parts[64 * block + 32 + j])
            let rebuilt = rows.scales[block] * (high + low / 32768)
            var largest: Float = 0
            for value in x[(32 * block)..<(32 * block + 32)] { largest = max(largest, abs(value)) }
            let error = abs(rebuilt - x[i]), bound = abs(x[i]) * 2e-7 + largest * 1e-9
            #expect(error <= bound, "value \(i): \(rebuilt) vs \(x[i])")
        }
        #expect(rows.scales[1] == 0)
    }

    @Test func nonFiniteInputsGiveNaNRows() {
        let w = QuantizedLinearTests.weight(.q4_1)
        var values = [Float](repeating: 0.5, count: 512)
        values[100] = .nan
        let y = Tensor.quantizedLinear(Tensor(values, shape: [1, 512]), weight: w).scalars(as: Float.self)
        let allNaN = y.allSatisfy { $0.isNaN }
        #expect(allNaN)
        values[100] = .infinity
        let z = Tensor.quantizedLinear(Tensor(values, shape: [1, 512]), weight: w).scalars(as: Float.self)
        let noneFinite = z.allSatisfy { !$0.isFinite }
        #expect(noneFinite)
    }

    /// The C split is the Swift one bit for bit: random blocks, mixed magnitudes, a zero block,
    /// a subnormal one, values on rounding halves, and NaN and infinity blocks.
    @Test func avx2SplitMatchesTheSwiftSplit() {
        guard FusedQuantizedRows.Kernel.preferred == .avx2 else { return }
        let random = Tensor.uniform([8 * 32], low: -3, high: 3, generator: Generator(seed: 7)).scalars(as: Float.self)
        var x = random
        x += (0..<32).map { Float($0 % 7 == 0 ? 1e-6 : 1) * Float($0) * (($0 % 2 == 0) ? 1 : -1) }
        x += [Float](repeating: 0, count: 32)
        x += [Float](repeating: 1e-41, count: 16) + [Float](repeating: -2e-41, count: 16)
        x += (0..<32).map { Float($0) - 15.5 }
        x += [Float](repeating: 1, count: 31) + [.nan]
        x += [-.infinity] + [Float](repeating: 2, count: 31)
        let blocks = x.count / 32
        x.withUnsafeBufferPointer { xs in
            let swift = Int16Rows(xs.baseAddress!, rows: 1, blocks: blocks, kernel: .swift)
            let c = Int16Rows(xs.baseAddress!, rows: 1, blocks: blocks, kernel: .avx2)
            defer { swift.deallocate(); c.deallocate() }
            for b in 0..<blocks {
                let (a, e) = (c.scales[b], swift.scales[b])
                #expect(a.bitPattern == e.bitPattern || (a.isNaN && e.isNaN), "block \(b): scale \(a) vs \(e)")
            }
            for i in 0..<64 * blocks {
                #expect(c.parts[i] == swift.parts[i], "part \(i) (block \(i / 64)): \(c.parts[i]) vs \(swift.parts[i])")
            }
        }
    }

    /// The C AVX2 kernels against the Swift ones and a float64 reference, for every block
    /// format they take and 1–4 input rows, over output rows split across threads (the C
    /// kernels write only their range). Skipped on CPUs without AVX2.
    @Test(arguments: [GGMLType.q4_0, .q4_1, .q8_0])
    func avx2KernelsMatchTheSwiftKernels(type: GGMLType) {
        guard FusedQuantizedRows.Kernel.preferred == .avx2 else { return }
        let w = QuantizedLinearTests.randomWeight(type, rows: 150, rowLength: 512, seed: 5)
        let dense = w.dequantized().scalars(as: Float.self)
        let bias = (0..<150).map { Float($0) * 0.01 - 0.7 }
        for n in 1...4 {
            let x = Tensor.uniform([n, 512], low: -1, high: 1, generator: Generator(seed: UInt64(n))).scalars(as: Float.self)
            func run(_ kernel: FusedQuantizedRows.Kernel) -> [Float] {
                var y = [Float](repeating: .nan, count: n * 150)
                x.withUnsafeBufferPointer { xs in
                    bias.withUnsafeBufferPointer { b in
                        y.withUnsafeMutableBufferPointer { ys in
                            FusedQuantizedRows.forward(xs.baseAddress!, rows: n, weight: w, bias: b.baseAddress!,
                                                       into: ys.baseAddress!, kernel: kernel)
                        }
                    }
                }
                return y
            }
            let (c, swift) = (run(.avx2), run(.swift))
            for r in 0..<n {
                for o in 0..<150 {
                    var exact = Double(bias[o]), magnitude = 0.0
                    for j in 0..<512 {
                        let term = Double(dense[o * 512 + j]) * Double(x[r * 512 + j])
                        exact += term
                        magnitude += abs(term)
                    }
                    let bound = 1e-6 * magnitude
                    let i = r * 150 + o
                    #expect(abs(Double(c[i]) - Double(swift[i])) <= bound, "\(type) n \(n) row \(r) output \(o): \(c[i]) vs \(swift[i])")
                    #expect(abs(Double(c[i]) - exact) <= bound, "\(type) n \(n) row \(r) output \(o): \(c[i]) vs \(exact)")
                }
            }
        }
    }

    @Test func blockDotsMatchIntegerArithmetic() {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { bytes[i] = UInt8(truncatingIfNeeded: i &* 77 &+ 13) }
        var parts = [Int16](repeating: 0, count: 64)
        for j in 0..<32 {
            parts[j] = Int16(truncatingIfNeeded: j &* 2_311 &- 30_000)
            parts[32 + j] = Int16(j * 1_000 - 16_000)
        }
        var nibbles = 0.0, signed = 0.0
        for j in 0..<32 {
            let nibble = Double(j < 16 ? bytes[j] & 0x0F : bytes[j - 16] >> 4)
            let part = Double(parts[j]) + Double(parts[32 + j]) / 32768
            nibbles += nibble * part
            signed += Double(Int8(bitPattern: bytes[j])) * part
        }
        bytes.withUnsafeBytes { b in
            parts.withUnsafeBufferPointer { p in
                let n = IntegerBlockDots.dot(IntegerBlockDots.nibbles(b.baseAddress!), p.baseAddress!).sum()
                let s = IntegerBlockDots.dot(IntegerBlockDots.signedBytes(b.baseAddress!), p.baseAddress!).sum()
                #expect(abs(Double(n) - nibbles) <= abs(nibbles) * 1e-6)
                #expect(abs(Double(s) - signed) <= abs(signed) * 1e-6)
            }
        }
    }
}
#endif
