import Foundation
import Testing
@testable import TensorKit

/// One reference result from Tests/Fixtures/reductions.json (made by make_reduction_fixtures.py).
struct ReductionFixtureCase: Decodable {
    var op: String
    var view: String
    var axes: [Int]?
    var keepDims: Bool
    var correction: Int?
    var shape: [Int]
    var values: [Double]
}

private struct ReductionFixture: Decodable {
    struct Input: Decodable { var shape: [Int]; var values: [Double] }
    var input: Input
    var cases: [ReductionFixtureCase]
}

/// The fixture's cases and a function building its input (in `dtype`, through the named view).
func loadReductionFixture() throws -> (cases: [ReductionFixtureCase], input: (String, DType) -> Tensor) {
    let data = try Data(contentsOf: fixtureURL("reductions.json"))
    let fixture = try JSONDecoder().decode(ReductionFixture.self, from: data)
    let base = Tensor(fixture.input.values, shape: fixture.input.shape)
    return (fixture.cases, { view, dtype in
        let x = base.cast(to: dtype)
        switch view {
        case "contiguous": return x
        case "permuted": return x.permute([2, 0, 1])
        case "sliced": return x.slice(axis: 1, 0..<4, step: 2).slice(axis: 2, 1..<5)
        default: fatalError("unknown fixture view \(view)")
        }
    })
}

@Suite struct ReductionTests {
    @Test(arguments: [DType.float64, .float32])
    func matchesFixture(dtype: DType) throws {
        let (cases, input) = try loadReductionFixture()
        let tolerance = dtype == .float64 ? 1e-10 : 2e-5
        var checked = 0
        for c in cases where !["softmax", "logSoftmax"].contains(c.op) {
            let x = input(c.view, dtype)
            if c.view != "contiguous" { #expect(!x.isContiguous) }
            let axis = c.axes?.first
            let result: Tensor
            switch c.op {
            case "sum": result = x.sum(axes: c.axes, keepDims: c.keepDims)
            case "mean": result = x.mean(axes: c.axes, keepDims: c.keepDims)
            case "max": result = x.max(axes: c.axes, keepDims: c.keepDims)
            case "min": result = x.min(axes: c.axes, keepDims: c.keepDims)
            case "logSumExp": result = x.logSumExp(axes: c.axes, keepDims: c.keepDims)
            case "variance": result = x.variance(axes: c.axes, keepDims: c.keepDims, correction: c.correction ?? 1)
            case "argmax": result = x.argmax(axis: axis, keepDims: c.keepDims)
            case "argmin": result = x.argmin(axis: axis, keepDims: c.keepDims)
            default: Issue.record("unknown op \(c.op)"); continue
            }
            if c.op.hasPrefix("arg") { #expect(result.dtype == .int64) } else { #expect(result.dtype == dtype) }
            #expect(result.shape == c.shape, "\(c.op) \(c.view) axes \(c.axes ?? []) keepDims \(c.keepDims)")
            expectClose(result, c.values, tolerance: tolerance)
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func handWorkedValues() {
        let x = Tensor([1, 5, 3, 4, 2, 6] as [Float], shape: [2, 3])
        expectClose(x.sum(axes: [-1]), [9, 12], shape: [2])
        expectClose(x.mean(axes: [0], keepDims: true), [2.5, 3.5, 4.5], shape: [1, 3])
        expectClose(x.mean(), [3.5], shape: [])
        expectClose(x.max(), [6], shape: [])
        expectClose(x.min(axes: [1], keepDims: true), [1, 2], shape: [2, 1])
        let (values, indices) = x.max(axis: -1)
        expectClose(values, [5, 6], shape: [2])
        #expect(indices.dtype == .int64 && indices.scalars(as: Int64.self) == [1, 2])
        let (low, lowAt) = x.min(axis: 0, keepDims: true)
        expectClose(low, [1, 2, 3], shape: [1, 3])
        #expect(lowAt.shape == [1, 3] && lowAt.scalars(as: Int64.self) == [0, 1, 0])
        #expect(x.argmax().scalars(as: Int64.self) == [5] && x.argmax().shape == [])
        #expect(x.argmin(axis: 1).scalars(as: Int64.self) == [0, 1])
        // Transposed: columns become rows.
        expectClose(x.transposed().max(axes: [1]), [4, 5, 6], shape: [3])
        #expect(x.transposed().argmax(axis: 1).scalars(as: Int64.self) == [1, 0, 1])

        let v = Tensor([1, 2, 3, 4] as [Double])
        expectClose(v.variance(), [5.0 / 3.0], shape: [])
        expectClose(v.variance(correction: 0), [1.25], shape: [])
        #expect(Tensor([7] as [Double]).variance().item().isNaN)
        // Accurate for a large mean (a one-pass formula would lose everything here).
        expectClose(Tensor([1e8 + 1, 1e8 + 2, 1e8 + 3] as [Double]).variance(), [1], tolerance: 1e-9)

        expectClose(Tensor([1000, 1000] as [Float]).logSumExp(), [1000 + log(2.0)], tolerance: 1e-6)
        expectClose(Tensor([-1000, -1000] as [Double]).logSumExp(), [-1000 + log(2.0)], tolerance: 1e-12)
        let minusInfinity = Tensor([-.infinity, -.infinity] as [Double])
        #expect(minusInfinity.logSumExp().item() == -.infinity)
        #expect(Tensor.zeros([2, 0], dtype: .float64).logSumExp(axes: [1]).scalars(as: Double.self) == [-.infinity, -.infinity])
        expectClose(Tensor([0, log(3.0)] as [Double], shape: [2, 1]).logSumExp(axes: [0, 1], keepDims: true),
                    [log(4.0)], shape: [1, 1], tolerance: 1e-12)
        // Repeated and empty axis lists.
        expectClose(x.sum(axes: [1, -1]), [9, 12], shape: [2])
        expectClose(x.sum(axes: []), [1, 5, 3, 4, 2, 6], shape: [2, 3])
        expectClose(Tensor.zeros([0, 3], dtype: .float32).sum(axes: [0]), [0, 0, 0], shape: [3])
    }

    @Test func tiesGoToTheFirstAndNaNPropagates() {
        let x = Tensor([1, 3, 3, 2, 2, 0] as [Double], shape: [2, 3])
        #expect(x.argmax(axis: 1).scalars(as: Int64.self) == [1, 0])
        #expect(Tensor([2, 1, 1, 2] as [Double]).argmin().item() == 1)
        let allMinusInfinity = Tensor([-.infinity, -.infinity] as [Double])
        #expect(allMinusInfinity.argmax().item() == 0 && allMinusInfinity.max().item() == -.infinity)
        let withNaN = Tensor([1, .nan, 3, .nan] as [Double])
        #expect(withNaN.max().item().isNaN && withNaN.min().item().isNaN)
        #expect(withNaN.argmax().item() == 1 && withNaN.argmin().item() == 1)

        // Long rows take the two-pass contiguous path: same answers.
        var long = (0..<100).map { Double(($0 * 37) % 11) }     // maxima (10) at several places
        let row = Tensor(long + long.map { -$0 }, shape: [2, 100])
        #expect(row.argmax(axis: 1).scalars(as: Int64.self) == [long.firstIndex(of: 10).map(Int64.init)!, long.firstIndex(of: 0).map(Int64.init)!])
        #expect(row.argmin(axis: 1).scalars(as: Int64.self) == [long.firstIndex(of: 0).map(Int64.init)!, long.firstIndex(of: 10).map(Int64.init)!])
        long[70] = .nan
        long[90] = .nan
        let nanRow = Tensor(long + [Double](repeating: -.infinity, count: 100), shape: [2, 100])
        #expect(nanRow.argmax(axis: 1).scalars(as: Int64.self) == [70, 0])
        #expect(nanRow.max(axes: [1]).scalars(as: Double.self)[0].isNaN)
        #expect(nanRow.argmin(axis: 1).scalars(as: Int64.self) == [70, 0])
        #expect(Tensor([Double](repeating: .infinity, count: 40) + [.nan]).argmax().item() == 40)
        // Infinities without NaN (they look like NaN to the contiguous path's first check).
        var infinite = (0..<40).map(Double.init)
        infinite[7] = .infinity
        infinite[9] = .infinity
        infinite[30] = -.infinity
        let withInfinities = Tensor(infinite)
        #expect(withInfinities.argmax().item() == 7 && withInfinities.max().item() == .infinity)
        #expect(withInfinities.argmin().item() == 30 && withInfinities.min().item() == -.infinity)

        let leaf = x.detach().requiringGrad()
        leaf.max(axes: [1]).sum().backward()
        #expect(leaf.grad!.scalars(as: Double.self) == [0, 1, 0, 1, 0, 0])
        // Over several axes the gradient goes to the first maximum in row-major order of those axes.
        let cube = Tensor([5, 1, 5, 5, 0, 2, 2, 1] as [Double], shape: [2, 2, 2]).requiringGrad()
        cube.max(axes: [0, 2]).sum().backward()
        #expect(cube.grad!.scalars(as: Double.self) == [1, 0, 1, 0, 0, 0, 0, 0])
    }

    @Test func largeInputsUseEveryKernelPath() {
        // Full reduction split across threads.
        let n = 300_001
        #expect(Tensor.ones([n], dtype: .float32).sum().item() == Double(n))
        let ramp = Tensor.arange(0, Double(n), dtype: .float64)
        #expect(ramp.sum().item() == Double(n) * Double(n - 1) / 2)
        #expect(ramp.mean().item() == Double(n - 1) / 2)
        // Arg-extremum split across threads keeps the first of two equal maxima.
        let spikes = Tensor.zeros([n], dtype: .float64)
        spikes.setElement(at: 100_000, to: 5)
        spikes.setElement(at: 250_000, to: 5)
        #expect(spikes.argmax().item() == 100_000)
        #expect(spikes.max(axis: 0).indices.item() == 100_000)

        // Column sums (the kept axis is the fast one) and row sums, against plain loops.
        let m = randomTensor([700, 130], seed: 11)
        let values = m.scalars(as: Double.self)
        let columns = (0..<130).map { j in (0..<700).reduce(0.0) { $0 + values[$1 * 130 + j] } }
        let rows = (0..<700).map { i in values[(i * 130)..<(i * 130 + 130)].reduce(0, +) }
        expectClose(m.sum(axes: [0]), columns, shape: [130], tolerance: 1e-12)
        expectClose(m.sum(axes: [1]), rows, shape: [700], tolerance: 1e-12)
        expectClose(m.transposed().sum(axes: [1]), columns, shape: [130], tolerance: 1e-12)
        expectClose(m.transposed().sum(axes: [0]), rows, shape: [700], tolerance: 1e-12)
        let columnMax = (0..<130).map { j in (0..<700).map { values[$0 * 130 + j] }.max()! }
        expectClose(m.max(axes: [0]), columnMax, shape: [130], tolerance: 0)
        // An expanded (stride 0) input.
        let row = Tensor([1, 2, 3] as [Double], shape: [1, 3]).expand(to: [1000, 3])
        expectClose(row.sum(axes: [0]), [1000, 2000, 3000])
        expectClose(row.variance(axes: [0]), [0, 0, 0])
    }

    @Test func gradients() {
        let a = randomTensor([3, 4, 5], seed: 3)
        let t = randomTensor([5, 4], seed: 4).transposed()           // non-contiguous [4, 5]
        let s = randomTensor([4, 6], seed: 5).slice(axis: 1, 0..<6, step: 2)  // non-contiguous [4, 3]
        let b = randomTensor([1, 5], seed: 6)
        expectGradcheck([a]) { $0[0].sum(axes: [0, 2]) }
        expectGradcheck([t]) { $0[0].sum(axes: [0], keepDims: true) }
        expectGradcheck([a]) { $0[0].mean(axes: [-1, 0], keepDims: true) }
        expectGradcheck([t]) { $0[0].mean() }
        expectGradcheck([a]) { $0[0].max(axes: [1]) }
        expectGradcheck([a]) { $0[0].max(axes: [0, 2], keepDims: true) }
        expectGradcheck([t]) { $0[0].min(axes: [0]) }
        expectGradcheck([s]) { $0[0].max(axis: 1).values }
        expectGradcheck([s]) { $0[0].min(axis: 0, keepDims: true).values }
        expectGradcheck([t]) { $0[0].max() }
        for correction in [0, 1, 2] {
            expectGradcheck([a]) { $0[0].variance(axes: [1], correction: correction) }
        }
        expectGradcheck([t]) { $0[0].variance(axes: [0, 1], keepDims: true) }
        expectGradcheck([s]) { $0[0].variance(axes: [0]) }
        expectGradcheck([a]) { $0[0].logSumExp(axes: [1]) }
        expectGradcheck([a]) { $0[0].logSumExp(axes: [0, 2], keepDims: true) }
        expectGradcheck([t]) { $0[0].logSumExp(axes: [0]) }
        expectGradcheck([s]) { $0[0].logSumExp() }
        // Broadcast inputs.
        expectGradcheck([t, b]) { ($0[0] * $0[1]).logSumExp(axes: [1]) }
        expectGradcheck([t, b]) { ($0[0] + $0[1]).variance(axes: [0]) + ($0[0] - $0[1]).max(axes: [1]).sum() }
        expectGradcheck([t, b]) { ($0[0] * $0[1]).mean(axes: [0]) }
    }

    @Test func badAxesStop() async {
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([2, 3]).sum(axes: [2]) }
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).max(axis: -3)
        }
        #if DEBUG
        let message = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
        #expect(message.contains("max: axis -3 is out of range for a tensor of rank 2"))
        #endif
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([2, 0]).max(axes: [1]) }
        await #expect(processExitsWith: .failure) { _ = Tensor.zeros([2], dtype: .int64).argmax() }
    }
}
