import Foundation
import Testing
@testable import TensorKit

/// The float32 values of `tensor` (contiguous or not).
func ggufFloats(_ tensor: Tensor) -> [Float] {
    tensor.scalars(as: Float.self)
}

/// Expects `actual` and `expected` to hold the same float bit patterns, reporting the first difference.
func expectSameBits(_ actual: [Float], _ expected: [Float], _ what: String,
                    sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
    if let i = zip(actual, expected).enumerated().first(where: { $1.0.bitPattern != $1.1.bitPattern })?.offset {
        Issue.record("\(what): value \(i) is \(actual[i]) (\(String(actual[i].bitPattern, radix: 16))), expected \(expected[i]) (\(String(expected[i].bitPattern, radix: 16)))",
                     sourceLocation: sourceLocation)
    }
}

/// The raw bytes of a quantized tensor.
func ggufBytes(_ tensor: QuantizedTensor) -> [UInt8] {
    tensor.withUnsafeBlocks { Array(UnsafeRawBufferPointer(start: $0, count: tensor.byteCount)) }
}

/// gguf_quant_blocks.gguf: random blocks of every decodable type next to `gguf.quants.dequantize`'s floats.
@Suite struct GGUFDequantizationTests {
    static let types: [GGMLType] = [.f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    @Test(arguments: types)
    func dequantizationMatchesTheReferenceBitForBit(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: fixtureURL("gguf_quant_blocks.gguf"))
        let info = try #require(file.info(named: type.name))
        #expect(info.type == type)
        let expected = try file.tensor(named: type.name + ".expected")
        #expect(expected.shape == info.shape)
        expectSameBits(ggufFloats(try file.tensor(named: type.name)), ggufFloats(expected), type.name)
    }

    @Test(arguments: types)
    func rowRangesDecodeTheSameValues(type: GGMLType) throws {
        let file = try GGUFFile(contentsOf: fixtureURL("gguf_quant_blocks.gguf"))
        let quantized = try file.quantizedTensor(named: type.name)
        let expected = ggufFloats(try file.tensor(named: type.name + ".expected"))
        let rows = 1..<quantized.rowCount - 1
        var buffer = [Float](repeating: .nan, count: rows.count * quantized.rowLength)
        buffer.withUnsafeMutableBufferPointer { quantized.dequantizeRows(rows, into: $0.baseAddress!) }
        let slice = Array(expected[(rows.lowerBound * quantized.rowLength)..<(rows.upperBound * quantized.rowLength)])
        expectSameBits(buffer, slice, "\(type.name) rows \(rows)")
        // The raw-pointer kernel on unaligned block bytes (copied to an odd address).
        let bytes = ggufBytes(quantized)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 1, alignment: 16)
        defer { raw.deallocate() }
        raw.advanced(by: 1).copyMemory(from: bytes, byteCount: bytes.count)
        var all = [Float](repeating: .nan, count: quantized.rowCount * quantized.rowLength)
        all.withUnsafeMutableBufferPointer {
            type.dequantizeRows(0..<quantized.rowCount, rowLength: quantized.rowLength, of: raw + 1, into: $0.baseAddress!)
        }
        expectSameBits(all, expected, "\(type.name) unaligned")
    }

    @Test func q8_0QuantizationMatchesTheReference() throws {
        let file = try GGUFFile(contentsOf: fixtureURL("gguf_quant_blocks.gguf"))
        let source = try file.tensor(named: "q8_0.source")
        let expected = try file.quantizedTensor(named: "q8_0.quantized")
        let ours = QuantizedTensor(quantizing: source, as: .q8_0)
        #expect(ours.shape == expected.shape)
        #expect(ggufBytes(ours) == ggufBytes(expected))
        // Also from a float64, transposed-then-transposed-back (strided) source.
        let strided = source.cast(to: .float64).transposed(0, 1).contiguous().transposed(0, 1)
        #expect(ggufBytes(QuantizedTensor(quantizing: strided, as: .q8_0)) == ggufBytes(expected))
    }

    @Test func f16QuantizationMatchesTheReference() throws {
        let file = try GGUFFile(contentsOf: fixtureURL("gguf_quant_blocks.gguf"))
        let ours = QuantizedTensor(quantizing: try file.tensor(named: "f16.source"), as: .f16)
        #expect(ggufBytes(ours) == ggufBytes(try file.quantizedTensor(named: "f16.quantized")))
    }

    @Test func typeTable() {
        #expect(GGMLType.q4_1.name == "Q4_1" && GGMLType.iq2_XXS.name == "IQ2_XXS" && GGMLType.bf16.name == "BF16")
        #expect(GGMLType.q4_1.blockSize == 32 && GGMLType.q4_1.blockByteCount == 20)
        #expect(GGMLType.q6_K.blockSize == 256 && GGMLType.q6_K.blockByteCount == 210)
        #expect(GGMLType.q4_K.byteCount(forValues: 512) == 288)
        #expect(GGMLType.q4_K.byteCount(forValues: 100) == nil)
        #expect(GGMLType.allCases.filter(\.isDequantizable).count == 11)
        #expect(!GGMLType.iq2_XXS.isDequantizable && !GGMLType.q2_K.isDequantizable)
    }
}

/// The inline f16 conversion the kernels use for block scales, against the standard library's.
@Suite struct GGUFBlockScaleTests {
    @Test func halfConversionIsExactForEveryBitPattern() {
        var mismatches: [UInt16] = []
        for bits in 0...UInt16.max {
            let fast = BlockScale.float(fromHalfBits: bits)
            let reference = Float(Float16(bitPattern: bits))
            if fast.bitPattern != reference.bitPattern && !(fast.isNaN && reference.isNaN) { mismatches.append(bits) }
        }
        #expect(mismatches.isEmpty, "f16 bit patterns converted differently: \(mismatches.prefix(8).map { String($0, radix: 16) })")
    }
}
