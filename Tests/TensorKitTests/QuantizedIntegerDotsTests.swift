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
