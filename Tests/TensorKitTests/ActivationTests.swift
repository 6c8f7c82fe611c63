import Foundation
import Testing
@testable import TensorKit

@Suite struct ActivationTests {
    @Test func activationsMatchFixture() {
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("tanh", { $0.tanh() }), ("sigmoid", { $0.sigmoid() }), ("relu", { $0.relu() }),
            ("gelu", { $0.gelu() }), ("gelu_tanh", { $0.gelu(approximate: .tanh) }), ("silu", { $0.silu() }),
        ]
        for (name, op) in ops {
            checkElementwiseFixture(name) { op($0[0]) }
            checkElementwiseBroadcast(name, op)
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func handWorkedValues(dtype: DType) {
        let x = Tensor([-1, 0, 1] as [Double]).cast(to: dtype)
        expectClose(x.tanh(), [-0.761_594_155_955_764_9, 0, 0.761_594_155_955_764_9], tolerance: 1e-6)
        expectClose(x.sigmoid(), [0.268_941_421_369_995_1, 0.5, 0.731_058_578_630_004_9], tolerance: 1e-6)
        expectClose(x.relu(), [0, 0, 1])
        // x·Φ(x) with Φ(1) = 0.841344746...
        expectClose(x.gelu(), [-0.158_655_253_931_457_07, 0, 0.841_344_746_068_542_9], tolerance: 1e-6)
        expectClose(x.gelu(approximate: .tanh), [-0.158_808_009_391_723_24, 0, 0.841_191_990_608_276_8], tolerance: 1e-6)
        expectClose(x.silu(), [-0.268_941_421_369_995_1, 0, 0.731_058_578_630_004_9], tolerance: 1e-6)
    }

    @Test(arguments: [DType.float32, .float64])
    func extremeInputsStayFinite(dtype: DType) {
        let x = Tensor([-1000, -100, 100, 1000] as [Double]).cast(to: dtype)
        let s = x.sigmoid().scalars(as: Double.self)
        #expect(s[0] == 0 && s[3] == 1 && s[2] == 1)
        if dtype == .float64 { #expect(Swift.abs(s[1] - 3.720_075_976_020_836e-44) < 1e-57) }
        #expect(x.tanh().scalars(as: Double.self) == [-1, -1, 1, 1])
        let silu = x.silu().scalars(as: Double.self)
        #expect(silu[0] == 0 && Swift.abs(silu[1]) < 1e-38 && silu[2] == 100 && silu[3] == 1000)
        #expect(x.gelu().scalars(as: Double.self) == [-0.0, -0.0, 100, 1000])
        #expect(x.gelu(approximate: .tanh).scalars(as: Double.self) == [-0.0, -0.0, 100, 1000])
        // Saturated regions have a zero gradient, not NaN.
        let leaf = x.requiringGrad()
        for op in [{ (t: Tensor) in t.sigmoid() }, { $0.tanh() }, { $0.silu() }, { $0.gelu() }] {
            let g = gradients(of: op(leaf).sum(), wrt: [leaf])[0].scalars(as: Double.self)
            #expect(g.allSatisfy { $0.isFinite }, "\(g)")
        }
        let nan = Tensor([Double.nan]).cast(to: dtype)
        #expect(nan.relu().item().isNaN && nan.sigmoid().item().isNaN && nan.gelu().item().isNaN)
    }

    /// The float32 rational `tanh` against the double-precision libm value.
    @Test func float32TanhIsAccurate() {
        let x = Tensor.linspace(-10, 10, count: 100_001, dtype: .float32)
        var worstUlp = 0.0
        for (input, value) in zip(x.scalars(as: Float.self), x.tanh().scalars(as: Float.self)) {
            let exact = Foundation.tanh(Double(input))
            worstUlp = Swift.max(worstUlp, Swift.abs(Double(value) - exact) / Double(Float(exact).ulp))
        }
        // The approximation is within 6 ulp (3e-7 absolute), worst near |x| = 6.
        #expect(worstUlp <= 6, "worst error \(worstUlp) ulp")
        let subnormal = -Float.leastNormalMagnitude / 16
        let tiny = Tensor([1e-3, 3e-4, 1e-30, subnormal, 0] as [Float]).tanh().scalars(as: Float.self)
        #expect(Swift.abs(Double(tiny[0]) - Foundation.tanh(1e-3)) < 2e-10)
        #expect(tiny[1] == 3e-4 && tiny[2] == 1e-30 && tiny[3] == subnormal && tiny[4] == 0)
        let special = Tensor([.infinity, -.infinity, .nan, 7.9, 8] as [Float]).tanh().scalars(as: Float.self)
        #expect(special[0] == 1 && special[1] == -1 && special[2].isNaN && special[3] <= 1 && special[4] == 1)
    }

    /// The float32 rational `erf` (behind exact gelu) against the double-precision libm value.
    @Test func float32ErfIsAccurate() {
        let x = Tensor.linspace(-6, 6, count: 100_001, dtype: .float32)
        let gelu = x.gelu().scalars(as: Float.self)
        let erf = FloatMap.unary(x, op: "erf", ActivationFunctions.Erf()).scalars(as: Float.self)
        var worstAbsolute = 0.0, worstGelu = 0.0
        for (i, input) in x.scalars(as: Float.self).enumerated() {
            worstAbsolute = Swift.max(worstAbsolute, Swift.abs(Double(erf[i]) - Foundation.erf(Double(input))))
            let exact = Double(input) * (1 + Foundation.erf(Double(input) / 2.squareRoot())) / 2
            worstGelu = Swift.max(worstGelu, Swift.abs(Double(gelu[i]) - exact) / (1 + Swift.abs(exact)))
        }
        #expect(worstAbsolute < 5e-7, "worst erf error \(worstAbsolute)")
        #expect(worstGelu < 1e-6, "worst gelu error \(worstGelu)")
        let small = FloatMap.unary(Tensor([1e-3, -1e-20, 0] as [Float]), op: "erf", ActivationFunctions.Erf())
        let values = small.scalars(as: Float.self)
        #expect(Swift.abs(Double(values[0]) / Foundation.erf(1e-3) - 1) < 5e-7)
        #expect(Swift.abs(Double(values[1]) / Foundation.erf(-1e-20) - 1) < 5e-7 && values[2] == 0)
    }

    @Test func reluGradientIsZeroAtZero() {
        let x = Tensor([-1, 0, 2] as [Double]).requiringGrad()
        expectClose(gradients(of: x.relu().sum(), wrt: [x])[0], [0, 0, 1])
    }

    @Test func gradcheckActivations() {
        // Scaled wide enough to reach the curved parts of sigmoid/tanh/gelu.
        let input = (randomTensor([4, 3], seed: 31) * 3).detach().transposed()
        #expect(!input.isContiguous)
        let ops: [(Tensor) -> Tensor] = [
            { $0.tanh() }, { $0.sigmoid() }, { $0.relu() }, { $0.gelu() }, { $0.gelu(approximate: .tanh) }, { $0.silu() },
        ]
        for op in ops {
            expectGradcheck([input]) { op($0[0]) }
            expectGradcheck([randomTensor([3], seed: 32, low: -3, high: 3)]) { op($0[0].expand(to: [2, 3])) }
            // Composed, so the backward sees a non-trivial incoming gradient.
            expectGradcheck([randomTensor([2, 3], seed: 33)]) { op($0[0] * 2).exp() }
        }
    }

    @Test func backwardUsesOneFusedPass() {
        // The rule's result is a single new tensor of the input's shape, computed from the
        // incoming gradient in one map: no graph is recorded under it even when asked.
        let x = randomTensor([5], seed: 34).requiringGrad()
        for op in [{ (t: Tensor) in t.gelu() }, { $0.gelu(approximate: .tanh) }, { $0.sigmoid() }, { $0.tanh() }] {
            let y = op(x)
            let g = y.gradFn!.apply(Tensor.ones([5], dtype: .float64))
            #expect(g.count == 1 && g[0]!.shape == [5] && g[0]!.gradFn == nil)
        }
    }
}
