import Foundation
import Testing
@testable import TensorKit

/// Reference values from Tests/Fixtures/make_elementwise_fixtures.py (PyTorch, float64).
struct ElementwiseFixture: Decodable {
    struct Input: Decodable { let shape: [Int]; let values: [Double] }
    struct Op: Decodable { let inputs: [String]; let output: [Double]; let shape: [Int]; let grads: [[Double]] }
    struct Where: Decodable { let output: [Double]; let grads: [[Double]] }
    let inputs: [String: Input]
    let ops: [String: Op]
    let comparisons: [String: [Int]]
    let `where`: Where

    static let shared: ElementwiseFixture = {
        let data = try! Data(contentsOf: fixtureURL("elementwise.json"))
        return try! JSONDecoder().decode(ElementwiseFixture.self, from: data)
    }()

    /// How a fixture input is laid out in memory when handed to an op.
    enum Arrangement: CaseIterable {
        /// Row-major, contiguous.
        case contiguous
        /// The transpose of a contiguous tensor holding the transposed values (matrices only;
        /// vectors and single columns are sliced instead).
        case transposed
        /// Every other element of a tensor twice as wide along the last axis.
        case sliced
    }

    /// Input `name` as a `dtype` tensor with the given arrangement; its values are always the
    /// fixture's, in row-major order.
    func tensor(_ name: String, dtype: DType, _ arrangement: Arrangement = .contiguous) -> Tensor {
        let input = inputs[name]!
        return ElementwiseFixture.arrange(input.values, shape: input.shape, dtype: dtype, arrangement)
    }

    static func arrange(_ values: [Double], shape: [Int], dtype: DType, _ arrangement: Arrangement) -> Tensor {
        switch arrangement {
        case .contiguous:
            return Tensor(values, shape: shape).cast(to: dtype)
        case .transposed where shape.count == 2 && shape.allSatisfy({ $0 > 1 }):
            let (r, c) = (shape[0], shape[1])
            var flipped = [Double](repeating: 0, count: values.count)
            for i in 0..<r { for j in 0..<c { flipped[j * r + i] = values[i * c + j] } }
            let t = Tensor(flipped, shape: [c, r]).cast(to: dtype).transposed()
            precondition(!t.isContiguous)
            return t
        case .transposed, .sliced:
            var wide = shape
            wide[wide.count - 1] *= 2
            let last = shape.last!
            var padded = [Double](repeating: 99, count: values.count * 2)
            for (i, v) in values.enumerated() { padded[(i / last) * 2 * last + (i % last) * 2] = v }
            return Tensor(padded, shape: wide).cast(to: dtype).slice(axis: -1, 0..<(2 * last), step: 2)
        }
    }
}

/// Forward and gradient of `op` on fixture inputs against the fixture, in every arrangement.
func checkElementwiseFixture(_ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ op: ([Tensor]) -> Tensor) {
    let fixture = ElementwiseFixture.shared
    let expected = fixture.ops[name]!
    let weights = fixture.tensor("weights", dtype: .float64)
    for dtype in [DType.float32, .float64] {
        let tolerance = dtype == .float32 ? 2e-5 : 1e-10
        for arrangement in ElementwiseFixture.Arrangement.allCases {
            let inputs = expected.inputs.map { fixture.tensor($0, dtype: dtype, arrangement).requiringGrad() }
            let out = op(inputs)
            #expect(out.dtype == dtype, sourceLocation: sourceLocation)
            expectClose(out, expected.output, shape: expected.shape, tolerance: tolerance, sourceLocation: sourceLocation)
            let grads = gradients(of: (out * weights.cast(to: dtype)).sum(), wrt: inputs)
            for (grad, reference) in zip(grads, expected.grads) {
                expectClose(grad, reference, tolerance: dtype == .float32 ? 1e-4 : 1e-9, sourceLocation: sourceLocation)
            }
        }
    }
}

/// `op` on the first row of fixture input `x` broadcast (stride 0) to `[3, 4]`: every output row
/// equals the fixture's first output row.
func checkElementwiseBroadcast(_ name: String, sourceLocation: SourceLocation = #_sourceLocation, _ op: (Tensor) -> Tensor) {
    let fixture = ElementwiseFixture.shared
    let expected = fixture.ops[name]!
    let source = fixture.tensor(expected.inputs[0], dtype: .float64)
    let broadcast = source.slice(axis: 0, 0..<1).expand(to: [3, 4])
    #expect(broadcast.strides == [0, 1])
    let firstRow = Array(expected.output.prefix(4))
    expectClose(op(broadcast), firstRow + firstRow + firstRow, shape: [3, 4], tolerance: 1e-10, sourceLocation: sourceLocation)
    expectClose(op(broadcast.cast(to: .float32)), firstRow + firstRow + firstRow, tolerance: 2e-5, sourceLocation: sourceLocation)
}

@Suite struct MathTests {
    @Test func unaryOpsMatchFixture() {
        let unaryOps: [(String, (Tensor) -> Tensor)] = [
            ("abs", { $0.abs() }), ("exp", { $0.exp() }), ("log", { $0.log() }), ("sqrt", { $0.sqrt() }),
            ("rsqrt", { $0.rsqrt() }), ("pow_2_5", { $0.pow(2.5) }), ("pow_neg_1_5", { $0.pow(-1.5) }),
            ("pow_2", { $0.pow(2) }), ("sin", { $0.sin() }), ("cos", { $0.cos() }),
            ("clamp", { $0.clamp(min: -0.5, max: 0.8) }), ("clamp_min", { $0.maximum(-0.5) }),
        ]
        for (name, op) in unaryOps {
            checkElementwiseFixture(name) { op($0[0]) }
            checkElementwiseBroadcast(name, op)
        }
    }

    @Test func binaryOpsMatchFixture() {
        checkElementwiseFixture("pow_tensor") { $0[0].pow($0[1]) }
        checkElementwiseFixture("maximum_row") { $0[0].maximum($0[1]) }
        checkElementwiseFixture("minimum_row") { $0[0].minimum($0[1]) }
        checkElementwiseFixture("maximum_column") { $0[0].maximum($0[1]) }
        checkElementwiseFixture("minimum_column") { $0[0].minimum($0[1]) }
        // Operands swapped: same values, the broadcast operand first.
        checkElementwiseFixture("maximum_column") { $0[1].maximum($0[0]) }
    }

    @Test(arguments: [DType.float32, .float64])
    func handWorkedValues(dtype: DType) {
        func t(_ values: [Double]) -> Tensor { Tensor(values).cast(to: dtype) }
        expectClose(t([-2, 3, -0.5]).abs(), [2, 3, 0.5])
        expectClose(t([0, 1, -1]).exp(), [1, M_E, 1 / M_E], tolerance: 1e-6)
        expectClose(t([1, M_E, 0.25]).log(), [0, 1, -Foundation.log(4)], tolerance: 1e-6)
        expectClose(t([4, 9, 0.25]).sqrt(), [2, 3, 0.5])
        expectClose(t([4, 0.25]).rsqrt(), [0.5, 2])
        expectClose(t([2, 3, -2]).pow(3), [8, 27, -8], tolerance: 1e-6)
        expectClose(t([2, 4, 9]).pow(t([3, 0.5, -0.5])), [8, 2, 1.0 / 3], tolerance: 1e-6)
        expectClose(t([.pi / 2, 0]).sin(), [1, 0], tolerance: 1e-6)
        expectClose(t([0, .pi]).cos(), [1, -1], tolerance: 1e-6)
        expectClose(t([-2, 0.5, 3]).clamp(min: -1, max: 1), [-1, 0.5, 1])
        expectClose(t([-2, 0.5, 3]).clamp(max: 1), [-2, 0.5, 1])
        expectClose(t([1, 5]).maximum(t([3, 2])), [3, 5])
        expectClose(t([1, 5]).minimum(t([3, 2])), [1, 2])
        expectClose(t([1, 5]).minimum(2), [1, 2])
        // Broadcast: [2, 1] against [3].
        expectClose(Tensor([0, 2] as [Double], shape: [2, 1]).cast(to: dtype).maximum(t([-1, 1, 3])),
                    [0, 1, 3, 2, 2, 3], shape: [2, 3])
        let nan = t([.nan]), zero = t([0])
        #expect(nan.maximum(zero).item().isNaN && zero.maximum(nan).item().isNaN)
        #expect(nan.minimum(zero).item().isNaN && zero.minimum(nan).item().isNaN)
        #expect(nan.clamp(min: 0, max: 1).item().isNaN && nan.abs().item().isNaN)
        #expect(t([0, -1]).log().scalars(as: Double.self)[0] == -.infinity)
    }

    @Test func gradientsAtTiesAndKinksFollowPyTorch() {
        let a = Tensor([1, 2, 0] as [Double]).requiringGrad()
        let b = Tensor([1, 3, -1] as [Double]).requiringGrad()
        let g = gradients(of: a.maximum(b).sum(), wrt: [a, b])
        expectClose(g[0], [0.5, 0, 1])
        expectClose(g[1], [0.5, 1, 0])
        let x = Tensor([0, -1, 1, 2] as [Double]).requiringGrad()
        expectClose(gradients(of: x.abs().sum(), wrt: [x])[0], [0, -1, 1, 1])
        // The gradient passes at the bounds themselves.
        expectClose(gradients(of: x.clamp(min: -1, max: 1).sum(), wrt: [x])[0], [1, 1, 1, 0])
        // d/db a^b at a = 0 is taken as 0, not NaN.
        let base = Tensor([0, 2] as [Double]), exponent = Tensor([2, 3] as [Double]).requiringGrad()
        expectClose(gradients(of: base.pow(exponent).sum(), wrt: [exponent])[0], [0, 8 * Foundation.log(2)])
    }

    @Test func gradcheckUnaryOps() {
        let anywhere = randomTensor([4, 3], seed: 11).transposed()
        let positive = randomTensor([4, 3], seed: 12, low: 0.5, high: 2).transposed()
        #expect(!anywhere.isContiguous)
        let ops: [(Tensor, (Tensor) -> Tensor)] = [
            (anywhere, { $0.abs() }), (anywhere, { $0.exp() }), (positive, { $0.log() }),
            (positive, { $0.sqrt() }), (positive, { $0.rsqrt() }), (positive, { $0.pow(2.5) }),
            (anywhere, { $0.pow(3) }), (anywhere, { $0.pow(2) }), (positive, { $0.pow(-1.5) }),
            (anywhere, { $0.sin() }), (anywhere, { $0.cos() }),
            (anywhere, { $0.clamp(min: -0.3, max: 0.4) }), (anywhere, { $0.minimum(0.2) }), (anywhere, { $0.maximum(-0.1) }),
        ]
        for (input, op) in ops {
            expectGradcheck([input]) { op($0[0]) }
            // A broadcast (stride-0) operand inside the function.
            expectGradcheck([randomTensor([3], seed: 13, low: 0.5, high: 2)]) { op($0[0].expand(to: [2, 3])) }
        }
    }

    @Test func gradcheckBinaryOpsWithBroadcasting() {
        let base = randomTensor([4, 3], seed: 21, low: 0.5, high: 2).transposed()
        expectGradcheck([base, randomTensor([4], seed: 22, low: -1.5, high: 2)]) { $0[0].pow($0[1]) }
        expectGradcheck([randomTensor([3, 1], seed: 23, low: 0.5, high: 2), randomTensor([1, 4], seed: 24)]) { $0[0].pow($0[1]) }
        let a = randomTensor([4, 3], seed: 25).transposed()
        expectGradcheck([a, randomTensor([4], seed: 26)]) { $0[0].maximum($0[1]) }
        expectGradcheck([a, randomTensor([3, 1], seed: 27)]) { $0[0].minimum($0[1]) }
        expectGradcheck([randomTensor([3, 1], seed: 28), a]) { $0[0].maximum($0[1]) }
    }

    /// The float32 polynomial `exp` against the double-precision libm value, over the whole
    /// range, with the special values.
    @Test func float32ExpIsAccurate() {
        let x = Tensor.linspace(-103, 88.7, count: 100_001, dtype: .float32)
        let got = x.exp().scalars(as: Float.self)
        var worst = 0.0
        for (input, value) in zip(x.scalars(as: Float.self), got) {
            let exact = Foundation.exp(Double(input))
            // Relative error in ulps of the exact result (absolute in the subnormal range).
            let ulp = Double(Float(exact).ulp)
            worst = Swift.max(worst, Swift.abs(Double(value) - exact) / ulp)
        }
        #expect(worst <= 2, "worst error \(worst) ulp")
        let special = Tensor([.infinity, -.infinity, .nan, 89, -104, 88.72, -87.5, 0] as [Float]).exp().scalars(as: Float.self)
        #expect(special[0] == .infinity && special[1] == 0 && special[2].isNaN && special[3] == .infinity)
        #expect(special[4] == 0 && special[5].isFinite && special[5] > 3.3e38 && special[7] == 1)
        #expect(Swift.abs(Double(special[6]) - Foundation.exp(-87.5)) < 1e-45)
    }

    @Test func opsRejectIntegerTensors() async {
        await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor([1, 2] as [Int32]).exp()
        }.map { result in
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("exp: needs a float32 or float64 tensor, got int32 (shape [2])"))
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor([1, 2] as [Float]).clamp(min: 2, max: 1)
        }
    }
}
