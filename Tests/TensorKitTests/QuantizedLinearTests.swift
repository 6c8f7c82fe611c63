import Foundation
import Testing
@testable import TensorKit

/// `Tensor.quantizedLinear` against `Tensor.linear` on the dequantized weight: every decodable
/// type, the fused few-row kernels and the tiled GEMM path (several tiles), forward and backward.
@Suite struct QuantizedLinearTests {
    static let types: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K]

    /// Byte offsets of the f16 scale fields in one block (random bytes there could be huge or NaN),
    /// and the scale that keeps values within about ±1 (one over the largest integer factor).
    static func scales(_ type: GGMLType) -> (offsets: [Int], size: Float) {
        switch type {
        case .q4_0: return ([0], 1 / 8)
        case .q5_0: return ([0], 1 / 16)
        case .q8_0: return ([0], 1 / 127)
        case .q4_1: return ([0, 2], 1 / 15)
        case .q5_1: return ([0, 2], 1 / 31)
        case .q4_K: return ([0, 2], 1 / (63 * 15))
        case .q5_K: return ([0, 2], 1 / (63 * 31))
        case .q6_K: return ([208], 1 / (127 * 32))
        default: return ([], 1)
        }
    }

    /// `[rows, rowLength]` of `type` with random integer bytes and scales giving values within
    /// about ±1 (plain float types: values in ±1), from a fixed seed, so that float32 rounding of
    /// a 512-term dot product stays well below the tolerance.
    static func randomWeight(_ type: GGMLType, rows: Int, rowLength: Int, seed: UInt64) -> QuantizedTensor {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        func unit() -> Float { Float(next() % 1_000_000) / 1_000_000 }
        let count = rows * rowLength
        let storage = Storage(byteCount: rows * (type.byteCount(forValues: rowLength) ?? 0))
        let p = storage.pointer
        switch type {
        case .f32:
            for i in 0..<count { p.storeBytes(of: 2 * unit() - 1, toByteOffset: 4 * i, as: Float.self) }
        case .f16:
            for i in 0..<count { p.storeBytes(of: Float16(2 * unit() - 1).bitPattern, toByteOffset: 2 * i, as: UInt16.self) }
        case .bf16:
            for i in 0..<count { p.storeBytes(of: UInt16((2 * unit() - 1).bitPattern >> 16), toByteOffset: 2 * i, as: UInt16.self) }
        default:
            for i in 0..<storage.byteCount { p.storeBytes(of: UInt8(truncatingIfNeeded: next()), toByteOffset: i, as: UInt8.self) }
            for block in 0..<count / type.blockSize {
                for offset in scales(type).offsets {
                    let scale = Float16(scales(type).size * (0.5 + 0.5 * unit())).bitPattern
                    p.storeBytes(of: scale, toByteOffset: block * type.blockByteCount + offset, as: UInt16.self)
                }
            }
        }
        return QuantizedTensor(type: type, shape: [rows, rowLength], storage: storage)
    }

    /// 150 output rows (two tiles of a 512-wide weight), 512 inputs.
    static func weight(_ type: GGMLType) -> QuantizedTensor { randomWeight(type, rows: 150, rowLength: 512, seed: 11) }

    @Test(arguments: types)
    func forwardMatchesLinearOnDequantizedWeight(type: GGMLType) {
        let w = Self.weight(type)
        let dense = w.dequantized()
        let bias = Tensor.uniform([150], low: -1, high: 1, generator: Generator(seed: 2))
        // 1–4 rows: the fused kernel; 5 and 37: the small tiles; 70: the whole weight as one
        // large tile. A leading batch axis and a view too.
        for rows in [1, 2, 4, 5, 37, 70] {
            let x = Tensor.uniform([1, rows, 512], low: -1, high: 1, generator: Generator(seed: UInt64(rows)))
            let expected = Tensor.linear(x, weight: dense, bias: bias)
            let y = Tensor.quantizedLinear(x, weight: w, bias: bias)
            #expect(y.shape == [1, rows, 150])
            expectClose(y, expected.scalars(as: Double.self), tolerance: 1e-5)
            expectClose(Tensor.quantizedLinear(x, weight: w), Tensor.linear(x, weight: dense).scalars(as: Double.self), tolerance: 1e-5)
        }
        let strided = Tensor.uniform([512, 3], low: -1, high: 1, generator: Generator(seed: 9)).transposed()
        expectClose(Tensor.quantizedLinear(strided, weight: w), Tensor.linear(strided, weight: dense).scalars(as: Double.self),
                    tolerance: 1e-5)
    }

    @Test(arguments: [GGMLType.q4_1, .q8_0, .q4_K, .f16])
    func gradientsMatchLinearOnDequantizedWeight(type: GGMLType) {
        let w = Self.weight(type)
        let dense = w.dequantized()
        for rows in [1, 6] {
            let upstream = Tensor.uniform([2, rows, 150], low: -1, high: 1, generator: Generator(seed: 4))
            func run(_ forward: (Tensor, Tensor) -> Tensor) -> (x: Tensor, bias: Tensor) {
                let x = Tensor.uniform([2, rows, 512], low: -1, high: 1, generator: Generator(seed: 3)).requiringGrad(true)
                let bias = Tensor.zeros([150]).requiringGrad(true)
                (forward(x, bias) * upstream).sum().backward()
                return (x.grad!, bias.grad!)
            }
            let quantized = run { Tensor.quantizedLinear($0, weight: w, bias: $1) }
            let reference = run { Tensor.linear($0, weight: dense, bias: $1) }
            #expect(quantized.x.shape == [2, rows, 512])
            expectClose(quantized.x, reference.x.scalars(as: Double.self), tolerance: 1e-5)
            expectClose(quantized.bias, reference.bias.scalars(as: Double.self), tolerance: 1e-5)
        }
    }

    @Test func frozenWeightKeepsNoGraphWithoutTrainableInputs() {
        let w = Self.weight(.q8_0)
        let x = Tensor.uniform([3, 512], low: -1, high: 1)
        #expect(Tensor.quantizedLinear(x, weight: w).gradFn == nil)
        // Only the bias trains: its gradient is the column sum of the upstream gradient.
        let bias = Tensor.zeros([150]).requiringGrad(true)
        Tensor.quantizedLinear(x, weight: w, bias: bias).sum().backward()
        expectClose(bias.grad!, [Double](repeating: 3, count: 150))
    }

    @Test func blockDotsMatchThePortableLoops() {
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 { bytes[i] = UInt8(truncatingIfNeeded: i &* 77 &+ 13) }
        let x = (0..<32).map { Float($0) * 0.25 - 3 }
        bytes.withUnsafeBytes { b in
            x.withUnsafeBufferPointer { xs in
                let (raw, values) = (b.baseAddress!, xs.baseAddress!)
                var nibbles: Float = 0, signed: Float = 0
                for j in 0..<16 { nibbles += Float(bytes[j] & 0x0F) * x[j] + Float(bytes[j] >> 4) * x[j + 16] }
                for j in 0..<32 { signed += Float(Int8(bitPattern: bytes[j])) * x[j] }
                #expect(BlockDots.nibbles(raw, values).sum() == nibbles)
                #expect(BlockDots.portableNibbles(raw, values).sum() == nibbles)
                #expect(BlockDots.signedBytes(raw, values).sum() == signed)
                #expect(BlockDots.portableSignedBytes(raw, values).sum() == signed)
            }
        }
    }

    @Test func tileSizesStayWithinTheScratchBuffer() {
        #expect(QuantizedMatmul.tileRows(rowLength: 576, rowCount: 1536, inputRows: 5) == 113)
        #expect(QuantizedMatmul.tileRows(rowLength: 1536, rowCount: 576, inputRows: 63) == 42)
        #expect(QuantizedMatmul.tileRows(rowLength: 32, rowCount: 1000, inputRows: 5) == 128)
        #expect(QuantizedMatmul.tileRows(rowLength: 1 << 20, rowCount: 1000, inputRows: 5) == 16)
        #expect(QuantizedMatmul.tileRows(rowLength: 512, rowCount: 3, inputRows: 5) == 3)
        // Many input rows: a small model's projection whole, a vocabulary head in 8 MB tiles.
        #expect(QuantizedMatmul.tileRows(rowLength: 576, rowCount: 1536, inputRows: 64) == 1536)
        #expect(QuantizedMatmul.tileRows(rowLength: 1536, rowCount: 576, inputRows: 1024) == 576)
        #expect(QuantizedMatmul.tileRows(rowLength: 576, rowCount: 49152, inputRows: 1024) == 3640)
        #expect(QuantizedMatmul.tileRows(rowLength: 1 << 20, rowCount: 1000, inputRows: 1024) == 16)
    }
}
