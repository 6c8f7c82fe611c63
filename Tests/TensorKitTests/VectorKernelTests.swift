import Foundation
import Testing
@testable import TensorKit

/// The float32 explicit-vector kernels (``FloatRows``, ``NormRows``, ``VectorMap``,
/// ``VectorMath``) against the float64 paths, which keep libm and scalar loops. Lengths are
/// chosen around the 8-lane vector width (1, 7, 8, 9, 17, 255) so vector bodies and scalar tails
/// both run; inputs are the same values in both precisions.
@Suite struct VectorKernelTests {
    static let lengths = [1, 7, 8, 9, 17, 255]

    /// A float32 tensor and the same values in float64.
    private func pair(_ shape: [Int], seed: UInt64, scale: Double = 3) -> (Tensor, Tensor) {
        let single = randomTensor(shape, seed: seed, low: -scale, high: scale).cast(to: .float32)
        return (single, single.cast(to: .float64))
    }

    private func expectMatch(_ single: Tensor, _ double: Tensor, tolerance: Double = 2e-6,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(single.dtype == .float32 && single.shape == double.shape, sourceLocation: sourceLocation)
        expectClose(single, double.scalars(as: Double.self), tolerance: tolerance, sourceLocation: sourceLocation)
    }

    // MARK: Softmax

    @Test(arguments: lengths)
    func softmaxRowsMatchFloat64(n: Int) {
        let (x32, x64) = pair([3, n], seed: UInt64(n), scale: 8)
        expectMatch(x32.softmax(), x64.softmax())
        expectMatch(x32.logSoftmax(), x64.logSoftmax())
        // Non-contiguous input whose softmax axis is still adjacent (a transposed view).
        let (t32, t64) = pair([n, 3], seed: UInt64(n) + 50, scale: 8)
        expectMatch(t32.transposed().softmax(axis: -1), t64.transposed().softmax(axis: -1))
        // Backward, both kernels.
        let seed32 = randomTensor([3, n], seed: 99).cast(to: .float32)
        let seed64 = seed32.cast(to: .float64)
        for log in [false, true] {
            let a = x32.requiringGrad(), b = x64.requiringGrad()
            let g32 = gradients(of: log ? a.logSoftmax() : a.softmax(), wrt: [a], seed: seed32)[0]
            let g64 = gradients(of: log ? b.logSoftmax() : b.softmax(), wrt: [b], seed: seed64)[0]
            expectMatch(g32, g64, tolerance: 1e-5)
        }
    }

    @Test func softmaxMaskedEntries() {
        // −∞ entries get probability exactly 0; an all −∞ row is NaN, as in PyTorch.
        var values = [Float](repeating: 0.5, count: 19)
        for j in [0, 3, 8, 9, 18] { values[j] = -.infinity }
        let row = Tensor(values, shape: [1, 19]).softmax().scalars(as: Float.self)
        for j in [0, 3, 8, 9, 18] { #expect(row[j] == 0) }
        #expect(Swift.abs(row.reduce(0, +) - 1) < 1e-6)
        let empty = Tensor([Float](repeating: -.infinity, count: 9), shape: [1, 9]).softmax()
        #expect(empty.scalars(as: Float.self).allSatisfy { $0.isNaN })
    }

    @Test(arguments: [DType.float32, .float64])
    func softmaxInPlaceForAttention(dtype: DType) {
        for (count, limit) in [(1, 1), (9, 4), (17, 17), (255, 100), (8, 0)] {
            let x = randomTensor([count], seed: UInt64(count), low: -4, high: 4).cast(to: dtype)
            let buffer = x.clone()
            switch dtype {
            case .float32: SoftmaxRows.softmaxInPlace(buffer.pointer(as: Float.self), count: count, limit: limit, scale: 0.5)
            default: SoftmaxRows.softmaxInPlace(buffer.pointer(as: Double.self), count: count, limit: limit, scale: 0.5)
            }
            let xs = x.scalars(as: Double.self)
            var expected = [Double](repeating: 0, count: count)
            if limit > 0 {
                let m = xs[..<limit].max()! * 0.5
                let e = xs[..<limit].map { Foundation.exp($0 * 0.5 - m) }
                let total = e.reduce(0, +)
                for j in 0..<limit { expected[j] = e[j] / total }
            }
            expectClose(buffer, expected, tolerance: dtype == .float32 ? 1e-6 : 1e-14)
        }
        // A fully masked row becomes zeros, not NaN.
        let masked = Tensor([Float](repeating: -.infinity, count: 10))
        SoftmaxRows.softmaxInPlace(masked.pointer(as: Float.self), count: 10, limit: 6, scale: 1)
        #expect(masked.scalars(as: Float.self) == [Float](repeating: 0, count: 10))
    }

    @Test(arguments: lengths)
    func softmaxBackwardInPlaceForAttention(n: Int) {
        let y = randomTensor([n], seed: 3, low: 0, high: 1).cast(to: .float32)
        let g = randomTensor([n], seed: 4).cast(to: .float32)
        let out = g.clone()
        SoftmaxRows.softmaxBackwardInPlace(probabilities: y.pointer(as: Float.self), gradient: out.pointer(as: Float.self),
                                           out: out.pointer(as: Float.self), count: n, scale: 0.25)
        let ys = y.scalars(as: Double.self), gs = g.scalars(as: Double.self)
        let dot = zip(ys, gs).map { $0 * $1 }.reduce(0, +)
        expectClose(out, zip(ys, gs).map { 0.25 * $0 * ($1 - dot) }, tolerance: 1e-6)
    }

    // MARK: Norms

    @Test(arguments: lengths)
    func normsMatchFloat64(dim: Int) {
        let (x32, x64) = pair([5, dim], seed: UInt64(dim) + 10)
        let (w32, w64) = pair([dim], seed: UInt64(dim) + 20)
        let (b32, b64) = pair([dim], seed: UInt64(dim) + 30)
        let seed32 = randomTensor([5, dim], seed: 98).cast(to: .float32)
        let seed64 = seed32.cast(to: .float64)
        for (withWeight, withBias) in [(true, true), (true, false), (false, true), (false, false)] {
            let inputs32 = [x32.requiringGrad(), w32.requiringGrad(), b32.requiringGrad()]
            let inputs64 = [x64.requiringGrad(), w64.requiringGrad(), b64.requiringGrad()]
            func layer(_ t: [Tensor]) -> Tensor {
                Tensor.layerNorm(t[0], weight: withWeight ? t[1] : nil, bias: withBias ? t[2] : nil)
            }
            let y32 = layer(inputs32), y64 = layer(inputs64)
            // A constant row (dim 1) normalises to 0 with rstd = 1/sqrt(eps): relative error of x̂ is large
            // in float32 only through eps, which both precisions share.
            expectMatch(y32, y64, tolerance: 1e-5)
            let wrt32 = [inputs32[0]] + (withWeight ? [inputs32[1]] : []) + (withBias ? [inputs32[2]] : [])
            let wrt64 = [inputs64[0]] + (withWeight ? [inputs64[1]] : []) + (withBias ? [inputs64[2]] : [])
            let g32 = gradients(of: y32, wrt: wrt32, seed: seed32), g64 = gradients(of: y64, wrt: wrt64, seed: seed64)
            for (a, b) in zip(g32, g64) { expectMatch(a, b, tolerance: dim == 1 ? 1e-2 : 1e-4) }
        }
        let r32 = [x32.requiringGrad(), w32.requiringGrad()], r64 = [x64.requiringGrad(), w64.requiringGrad()]
        let y32 = Tensor.rmsNorm(r32[0], weight: r32[1]), y64 = Tensor.rmsNorm(r64[0], weight: r64[1])
        expectMatch(y32, y64, tolerance: 1e-5)
        for (a, b) in zip(gradients(of: y32, wrt: r32, seed: seed32), gradients(of: y64, wrt: r64, seed: seed64)) {
            expectMatch(a, b, tolerance: 1e-4)
        }
        expectMatch(Tensor.rmsNorm(x32), Tensor.rmsNorm(x64), tolerance: 1e-5)
    }

    @Test func layerNormNonContiguousInput() {
        let (x32, x64) = pair([7, 17], seed: 5)
        expectMatch(Tensor.layerNorm(x32.transposed()), Tensor.layerNorm(x64.transposed()), tolerance: 1e-5)
    }

    // MARK: Activations

    @Test(arguments: lengths)
    func activationsMatchFloat64(n: Int) {
        let (x32, x64) = pair([2, n], seed: UInt64(n) + 40, scale: 5)
        let seed32 = randomTensor([2, n], seed: 97).cast(to: .float32)
        let seed64 = seed32.cast(to: .float64)
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("gelu", { $0.gelu() }), ("geluTanh", { $0.gelu(approximate: .tanh) }), ("tanh", { $0.tanh() }),
            ("sigmoid", { $0.sigmoid() }), ("silu", { $0.silu() }),
        ]
        for (name, op) in ops {
            let a = x32.requiringGrad(), b = x64.requiringGrad()
            let y32 = op(a), y64 = op(b)
            #expect(y32.dtype == .float32, "\(name)")
            expectMatch(y32, y64, tolerance: 2e-6)
            expectMatch(gradients(of: y32, wrt: [a], seed: seed32)[0], gradients(of: y64, wrt: [b], seed: seed64)[0],
                        tolerance: 5e-6)
            // A non-contiguous input takes the general path and agrees with the vector path.
            let (t32, _) = pair([n, 2], seed: UInt64(n) + 60, scale: 5)
            expectClose(op(t32.transposed()), op(t32.transposed().contiguous()).scalars(as: Double.self), tolerance: 2e-6)
        }
    }

    /// Each activation formula is written once over `FloatLanes`: the 8-lane loop of a contiguous
    /// float32 tensor, its scalar tail, and the general strided loop (one element at a time) give
    /// the same bits, forward and backward.
    @Test(arguments: lengths)
    func stridedActivationsAreBitIdenticalToTheVectorPath(n: Int) {
        let (wide, _) = pair([2, 2 * n], seed: UInt64(n) + 70, scale: 6)
        let (g32, _) = pair([2, n], seed: UInt64(n) + 80)
        let strided = wide.slice(axis: 1, 0..<(2 * n), step: 2), contiguous = strided.contiguous()
        #expect(!strided.isContiguous && contiguous.isContiguous)
        let ops: [(String, (Tensor) -> Tensor)] = [
            ("gelu", { $0.gelu() }), ("geluTanh", { $0.gelu(approximate: .tanh) }), ("tanh", { $0.tanh() }),
            ("sigmoid", { $0.sigmoid() }), ("silu", { $0.silu() }),
        ]
        for (name, op) in ops {
            let bits = op(strided).scalars(as: Float.self).map(\.bitPattern)
            #expect(bits == op(contiguous).scalars(as: Float.self).map(\.bitPattern), "\(name) forward")
        }
        let backward: [(String, (Tensor, Tensor, Bool) -> Tensor)] = [
            ("gelu", { g, x, vector in vector
                ? FloatMap.binary(g, x, op: "gelu backward", costPerElement: 12, ActivationFunctions.GeluErfGrad())
                : FloatMap.binary(g, x, op: "gelu backward", ActivationFunctions.GeluErfGrad()) }),
            ("geluTanh", { g, x, vector in vector
                ? FloatMap.binary(g, x, op: "gelu backward", costPerElement: 12, ActivationFunctions.GeluTanhGrad())
                : FloatMap.binary(g, x, op: "gelu backward", ActivationFunctions.GeluTanhGrad()) }),
            ("silu", { g, x, vector in vector
                ? FloatMap.binary(g, x, op: "silu backward", costPerElement: 8, ActivationFunctions.SiluGrad())
                : FloatMap.binary(g, x, op: "silu backward", ActivationFunctions.SiluGrad()) }),
        ]
        for (name, rule) in backward {
            let vector = rule(g32, contiguous, true).scalars(as: Float.self).map(\.bitPattern)
            #expect(rule(g32, strided, false).scalars(as: Float.self).map(\.bitPattern) == vector, "\(name) backward")
        }
    }

    /// The float32 GELU gradient (Abramowitz–Stegun Φ from the shared `exp`) against the exact
    /// derivative on a dense grid.
    @Test func geluGradientIsAccurate() {
        let values = (0...8000).map { Float($0 - 4000) * 0.0025 }  // [-10, 10]
        let x = Tensor(values).requiringGrad()
        let grad = gradients(of: x.gelu(), wrt: [x], seed: Tensor.ones([values.count]))[0].scalars(as: Float.self)
        var worst = 0.0
        for (v, g) in zip(values, grad) {
            let xd = Double(v)
            let exact = 0.5 * (1 + Foundation.erf(xd / 2.0.squareRoot())) + xd * Foundation.exp(-xd * xd / 2) / (2 * Double.pi).squareRoot()
            worst = Swift.max(worst, Swift.abs(Double(g) - exact))
        }
        #expect(worst < 5e-7, "worst absolute error \(worst)")
    }

    @Test func activationsAtExtremes() {
        let values: [Float] = [-.infinity, -1e30, -100, -88, -87.4, -20, -1e-30, 0, 1e-30, 20, 88, 100, 1e30, .infinity]
        let x = Tensor(values)
        let gelu = x.gelu().scalars(as: Float.self)
        #expect(gelu[7] == 0 && Swift.abs(gelu[9] - 20) < 1e-5 && Swift.abs(gelu[12] / 1e30 - 1) < 1e-6)
        #expect(gelu[1...6].allSatisfy { $0.isFinite && $0 <= 0 })
        let sigmoid = x.sigmoid().scalars(as: Float.self)
        #expect(sigmoid[0] == 0 && sigmoid[7] == 0.5 && sigmoid[13] == 1)
        #expect(Swift.abs(x.tanh().scalars(as: Float.self)[13] - 1) < 1e-7)
        let nan = Tensor([Float.nan, 1, Float.nan, 2, 3, 4, 5, 6, 7])
        for y in [nan.gelu(), nan.sigmoid(), nan.tanh(), nan.silu(), nan.gelu(approximate: .tanh)] {
            let s = y.scalars(as: Float.self)
            #expect(s[0].isNaN && s[2].isNaN && !s[1].isNaN)
        }
    }

    // MARK: Cross-entropy

    @Test(arguments: lengths)
    func crossEntropyMatchesFloat64(classes: Int) {
        let (x32, x64) = pair([6, classes], seed: UInt64(classes) + 70, scale: 6)
        let targets = Tensor((0..<6).map { Int32(($0 * 5) % classes) }, shape: [6])
        for smoothing in [0.0, 0.1] {
            let a = x32.requiringGrad(), b = x64.requiringGrad()
            let l32 = Tensor.crossEntropy(logits: a, targets: targets, labelSmoothing: smoothing)
            let l64 = Tensor.crossEntropy(logits: b, targets: targets, labelSmoothing: smoothing)
            expectMatch(l32, l64, tolerance: 2e-6)
            expectMatch(gradients(of: l32, wrt: [a])[0], gradients(of: l64, wrt: [b])[0], tolerance: 2e-6)
            // Without a graph the forward keeps no softmax and gives the same loss.
            let plain = withGradientsDisabled { Tensor.crossEntropy(logits: x32, targets: targets, labelSmoothing: smoothing) }
            expectMatch(plain, l64, tolerance: 2e-6)
        }
    }

    /// The backward that recomputes the softmax from the log-sum-exp (used above the saved
    /// probability limit) agrees with the one that reads the saved softmax.
    @Test(arguments: [7, 17, 255])
    func crossEntropyBackwardWithoutSavedSoftmax(classes: Int) {
        let rows = 4
        let x = randomTensor([rows, classes], seed: 8, low: -5, high: 5).cast(to: .float32)
        let labels = [0, classes - 1, -100, classes / 2]
        let losses = Tensor(uninitializedShape: [rows], dtype: .float32)
        let lse = Tensor(uninitializedShape: [rows], dtype: .float32)
        let probabilities = Tensor(uninitializedShape: [rows, classes], dtype: .float32)
        let saved = Tensor(uninitializedShape: [rows, classes], dtype: .float32)
        let recomputed = Tensor(uninitializedShape: [rows, classes], dtype: .float32)
        labels.withUnsafeBufferPointer { l in
            CrossEntropyKernel.forward(x.pointer(as: Float.self), l, rows: rows, classes: classes, ignoreIndex: -100,
                                       smoothing: 0.1, losses: losses.pointer(as: Float.self),
                                       lse: lse.pointer(as: Float.self), probabilities: probabilities.pointer(as: Float.self))
            for (output, p) in [(saved, UnsafePointer(probabilities.pointer(as: Float.self))), (recomputed, nil)] {
                CrossEntropyKernel.backward(x.pointer(as: Float.self), l, lse: lse.pointer(as: Float.self), probabilities: p,
                                            rowGradients: nil, scale: 0.5, rows: rows, classes: classes,
                                            ignoreIndex: -100, smoothing: 0.1, dx: output.pointer(as: Float.self))
            }
        }
        expectClose(recomputed, saved.scalars(as: Double.self), tolerance: 1e-6)
        #expect(saved.scalars(as: Float.self)[(2 * classes)..<(3 * classes)].allSatisfy { $0 == 0 })
    }

    // MARK: Vector math

    /// Every vector function gives, lane for lane, exactly what its scalar form gives (loop
    /// bodies and tails agree), over a grid that includes the clamps, ±∞ and NaN.
    @Test func vectorFunctionsMatchScalarBitForBit() {
        var grid: [Float] = [-.infinity, .infinity, .nan, 0, -0.0, 1e-30, -1e-30, 0.0003, -0.0003, 7.9, -7.9, 4, -4,
                             88, 89, -87.3, -87.4, -103, -104, -105, 100, -100]
        for i in 0..<4000 { grid.append(Float(i - 2000) * 0.05) }
        while grid.count % 8 != 0 { grid.append(1) }
        func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) }
        for start in stride(from: 0, to: grid.count, by: 8) {
            let v = VectorMath.FloatVector((0..<8).map { grid[start + $0] })
            let e = VectorMath.exp(v), t = VectorMath.tanh(v), r = VectorMath.erf(v)
            let shifted = VectorMath.FloatVector((0..<8).map { -Swift.abs(grid[start + $0]) })
            let n = VectorMath.expNonPositive(shifted)
            for lane in 0..<8 {
                let x = grid[start + lane]
                #expect(same(e[lane], VectorMath.exp(x)), "exp(\(x))")
                #expect(same(t[lane], VectorMath.tanh(x)), "tanh(\(x))")
                #expect(same(r[lane], VectorMath.erf(x)), "erf(\(x))")
                #expect(same(n[lane], VectorMath.expNonPositive(-Swift.abs(x))), "expNonPositive(\(-Swift.abs(x)))")
            }
        }
    }

    @Test func expNonPositiveIsAccurate() {
        var worst = 0.0
        for i in 0...200_000 {
            let x = -Float(i) * 0.000_5  // [-100, 0]
            let y = Double(VectorMath.expNonPositive(x)), exact = Foundation.exp(Double(x))
            if x < -87.336_54 {
                #expect(y == 0, "exp(\(x)) flushes to 0")
            } else {
                worst = Swift.max(worst, Swift.abs(y - exact) / exact)
            }
        }
        #expect(worst < 3e-7, "worst relative error \(worst)")
        #expect(VectorMath.expNonPositive(-.infinity) == 0)
        #expect(VectorMath.expNonPositive(.nan).isNaN)
        #expect(VectorMath.expNonPositive(0) == 1)
    }
}
