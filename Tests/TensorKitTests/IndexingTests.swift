import Foundation
import Testing
@testable import TensorKit

/// Cases from Tests/Fixtures/indexing.json (made by make_indexing_fixtures.py with PyTorch).
enum IndexingFixture {
    static func cases(_ op: String) -> [[String: Any]] {
        let data = try! Data(contentsOf: fixtureURL("indexing.json"))
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return root[op] as! [[String: Any]]
    }

    static func doubles(_ value: Any?) -> [Double] { (value as! [Any]).map { ($0 as! NSNumber).doubleValue } }
    static func ints(_ value: Any?) -> [Int] { (value as! [Any]).map { ($0 as! NSNumber).intValue } }
    static func int(_ value: Any?) -> Int { (value as! NSNumber).intValue }

    /// A tensor of `dtype` holding `values`.
    static func tensor(_ values: Any?, _ shape: Any?, _ dtype: DType) -> Tensor {
        Tensor(doubles(values), shape: ints(shape)).cast(to: dtype)
    }

    /// The same values as `t` through a non-contiguous layout (every other element of a wider buffer).
    static func strided(_ t: Tensor) -> Tensor {
        var wide = t.shape
        wide[wide.count - 1] *= 2
        let buffer = Tensor.zeros(wide, dtype: t.dtype)
        let view = buffer.slice(axis: -1, 0..<wide[wide.count - 1], step: 2)
        view.assign(t)
        return view
    }
}


@Suite struct IndexingTests {
    static let floatTypes: [DType] = [.float32, .float64]

    @Test(arguments: floatTypes)
    func indexSelectMatchesTorch(dtype: DType) {
        let tolerance = dtype == .float32 ? 1e-5 : 1e-12
        for c in IndexingFixture.cases("indexSelect") {
            let indices = Tensor(IndexingFixture.ints(c["indices"]).map { Int64($0) })
            let axis = IndexingFixture.int(c["axis"])
            let input = IndexingFixture.tensor(c["input"], c["shape"], dtype)
            let expected = IndexingFixture.doubles(c["output"]), outShape = IndexingFixture.ints(c["output_shape"])
            for x in [input, IndexingFixture.strided(input)] {
                expectClose(x.indexSelect(axis: axis, indices: indices), expected, shape: outShape, tolerance: tolerance)
                expectClose(x.indexSelect(axis: axis, indices: indices.cast(to: .int32)), expected, tolerance: tolerance)
            }
            let leaf = input.detach().requiringGrad()
            leaf.indexSelect(axis: axis, indices: indices).backward(IndexingFixture.tensor(c["grad_output"], c["output_shape"], dtype))
            expectClose(leaf.grad!, IndexingFixture.doubles(c["grad_input"]), shape: input.shape, tolerance: tolerance)
        }
    }

    @Test func indexSelectHandWorkedForEveryDtype() {
        let table = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [3, 2])
        let rows = table.indexSelect(axis: 0, indices: Tensor([2, 0, 2] as [Int32]))
        #expect(rows.shape == [3, 2] && rows.scalars(as: Float.self) == [5, 6, 1, 2, 5, 6])
        let ints = Tensor([10, 11, 12, 13, 14, 15] as [Int64], shape: [2, 3])
        #expect(ints.indexSelect(axis: -1, indices: Tensor([2, 2, 0] as [Int64])).scalars(as: Int64.self) == [12, 12, 10, 15, 15, 13])
        let int32s = Tensor([1, 2, 3] as [Int32])
        #expect(int32s.indexSelect(axis: 0, indices: Tensor([1] as [Int32])).scalars(as: Int32.self) == [2])
        let bools = Tensor([true, false, false, true], shape: [2, 2])
        #expect(bools.indexSelect(axis: 1, indices: Tensor([1, 0] as [Int32])).scalars(as: Bool.self) == [false, true, true, false])
        // A transposed (non-contiguous) table, and an empty index list.
        let t = Tensor((0..<6).map(Double.init), shape: [2, 3]).transposed()
        #expect(t.indexSelect(axis: 0, indices: Tensor([2, 1] as [Int64])).scalars(as: Double.self) == [2, 5, 1, 4])
        #expect(table.indexSelect(axis: 0, indices: Tensor([] as [Int64])).shape == [0, 2])
    }

    @Test func indexSelectLargeRunsInParallelAndAddsRepeats() {
        let table = Tensor((0..<(500 * 64)).map { Float($0 % 997) }, shape: [500, 64])
        let ids = (0..<3000).map { Int32(($0 * 37) % 500) }
        let out = table.indexSelect(axis: 0, indices: Tensor(ids))
        let values = out.scalars(as: Float.self), source = table.scalars(as: Float.self)
        var same = true
        for (row, id) in ids.enumerated() where Array(values[(row * 64)..<((row + 1) * 64)]) != Array(source[(Int(id) * 64)..<((Int(id) + 1) * 64)]) {
            same = false
        }
        #expect(same)
        // Each row was picked 6 times, so the gradient of the sum is 6 everywhere.
        let leaf = table.detach().requiringGrad()
        leaf.indexSelect(axis: 0, indices: Tensor(ids)).sum().backward()
        #expect(leaf.grad!.scalars(as: Float.self).allSatisfy { $0 == 6 })
    }

    @Test func indexSelectGradcheck() {
        let repeated = Tensor([3, 0, 3, 3, 1] as [Int64])
        expectGradcheck([randomTensor([4, 3], seed: 1)]) { $0[0].indexSelect(axis: 0, indices: repeated) }
        expectGradcheck([randomTensor([3, 4], seed: 2).transposed()]) { $0[0].indexSelect(axis: 0, indices: repeated) }
        expectGradcheck([randomTensor([2, 3, 4], seed: 3).permute([2, 0, 1])]) {
            $0[0].indexSelect(axis: -1, indices: Tensor([2, 2, 0] as [Int32])) * 2
        }
        // Broadcast after the lookup: the gradient flows back through both.
        expectGradcheck([randomTensor([5, 3], seed: 4), randomTensor([3], seed: 5)]) {
            $0[0].indexSelect(axis: 0, indices: Tensor([4, 4, 1] as [Int64])) * $0[1]
        }
        // A non-contiguous gradient reaches the scatter-add.
        expectGradcheck([randomTensor([4, 3], seed: 7)]) { $0[0].indexSelect(axis: 0, indices: repeated).transposed() }
        // The scatter-add backward is itself differentiable (its backward is the lookup).
        expectGradcheck([randomTensor([2, 4], seed: 6)]) {
            IndexKernels.indexAdd($0[0], axis: 1, indices: [1, 1, 0, 2], into: [2, 3])
        }
    }

    @Test(arguments: floatTypes)
    func gatherMatchesTorch(dtype: DType) {
        let tolerance = dtype == .float32 ? 1e-5 : 1e-12
        for c in IndexingFixture.cases("gather") {
            let indices = Tensor(IndexingFixture.ints(c["indices"]).map { Int64($0) }, shape: IndexingFixture.ints(c["index_shape"]))
            let axis = IndexingFixture.int(c["axis"])
            let input = IndexingFixture.tensor(c["input"], c["shape"], dtype)
            let expected = IndexingFixture.doubles(c["output"]), outShape = IndexingFixture.ints(c["output_shape"])
            for x in [input, IndexingFixture.strided(input)] {
                expectClose(x.gather(axis: axis, indices: indices), expected, shape: outShape, tolerance: tolerance)
                expectClose(x.gather(axis: axis, indices: IndexingFixture.strided(indices.cast(to: .int32))), expected, tolerance: tolerance)
            }
            let leaf = input.detach().requiringGrad()
            leaf.gather(axis: axis, indices: indices).backward(IndexingFixture.tensor(c["grad_output"], c["output_shape"], dtype))
            expectClose(leaf.grad!, IndexingFixture.doubles(c["grad_input"]), shape: input.shape, tolerance: tolerance)
        }
    }

    @Test func gatherHandWorkedForEveryDtype() {
        let x = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let picked = x.gather(axis: 1, indices: Tensor([1, 1, 0, 1] as [Int64], shape: [2, 2]))
        #expect(picked.scalars(as: Float.self) == [2, 2, 3, 4])
        // Cross-entropy style: one target per row along the last axis.
        let logits = Tensor((0..<12).map(Int32.init), shape: [3, 4])
        let targets = Tensor([3, 0, 2] as [Int64], shape: [3, 1])
        #expect(logits.gather(axis: -1, indices: targets).scalars(as: Int32.self) == [3, 4, 10])
        let bools = Tensor([true, false, false, true], shape: [2, 2])
        #expect(bools.gather(axis: 0, indices: Tensor([1, 0] as [Int32], shape: [1, 2])).scalars(as: Bool.self) == [false, false])
        let wide = Tensor((0..<6).map(Int64.init), shape: [2, 3]).transposed()   // [[0, 3], [1, 4], [2, 5]]
        #expect(wide.gather(axis: 0, indices: Tensor([2, 0] as [Int64], shape: [1, 2])).scalars(as: Int64.self) == [2, 3])
    }

    @Test func gatherGradcheck() {
        let index = Tensor([2, 2, 0, 1, 1, 1] as [Int64], shape: [3, 2])
        expectGradcheck([randomTensor([3, 4], seed: 1)]) { $0[0].gather(axis: 1, indices: index) }
        expectGradcheck([randomTensor([4, 3], seed: 2).transposed()]) { $0[0].gather(axis: -1, indices: index) }
        let index3 = Tensor([0, 1, 1, 1, 0, 0, 1, 1] as [Int32], shape: [2, 2, 2])
        expectGradcheck([randomTensor([3, 2, 4], seed: 3).permute([1, 0, 2])]) { $0[0].gather(axis: 0, indices: index3) }
        expectGradcheck([randomTensor([3, 4], seed: 4), randomTensor([3, 1], seed: 5)]) {
            $0[0].gather(axis: 1, indices: index) + $0[1]
        }
        expectGradcheck([randomTensor([3, 4], seed: 7)]) { $0[0].gather(axis: 1, indices: index).transposed() }
        expectGradcheck([randomTensor([3, 2], seed: 6)]) {
            IndexKernels.scatterAdd($0[0], axis: 1, indices: [2, 2, 0, 1, 1, 1], indexShape: [3, 2], into: [3, 4])
        }
    }

    @Test func oneHotMatchesTorch() {
        for c in IndexingFixture.cases("oneHot") {
            let shape = IndexingFixture.ints(c["shape"]), classes = IndexingFixture.int(c["classes"])
            let expected = IndexingFixture.ints(c["output"]).map(Double.init)
            let labels = Tensor(IndexingFixture.ints(c["values"]).map { Int64($0) }, shape: shape)
            for (source, dtype) in [(labels, DType.float32), (labels.cast(to: .int32), .float64), (labels, .int64), (IndexingFixture.strided(labels), .int32)] {
                let out = source.oneHot(classes: classes, dtype: dtype)
                #expect(out.dtype == dtype)
                expectClose(out, expected, shape: IndexingFixture.ints(c["output_shape"]))
            }
            #expect(labels.oneHot(classes: classes, dtype: .bool).scalars(as: Bool.self) == expected.map { $0 == 1 })
        }
    }

    @Test func outOfRangeIndicesStop() async {
        let select = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 2]).indexSelect(axis: 0, indices: Tensor([0, 3] as [Int64]))
        }
        if let select {
            let message = String(decoding: select.standardErrorContent, as: UTF8.self)
            #expect(message.contains("indexSelect: index 3 is out of range for axis 0 of length 3"), "\(message)")
        }
        let gather = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 2]).gather(axis: -1, indices: Tensor([0, -1] as [Int32], shape: [1, 2]))
        }
        if let gather {
            let message = String(decoding: gather.standardErrorContent, as: UTF8.self)
            #expect(message.contains("gather: index -1 is out of range for axis -1 of length 2"), "\(message)")
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor([4] as [Int64]).oneHot(classes: 4)
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.zeros([3]).indexSelect(axis: 0, indices: Tensor([0] as [Float]))
        }
    }
}
