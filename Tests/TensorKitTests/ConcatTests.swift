import Foundation
import Testing
@testable import TensorKit

@Suite struct ConcatTests {
    static let floatTypes: [DType] = [.float32, .float64]

    @Test(arguments: floatTypes)
    func concatMatchesTorch(dtype: DType) {
        let tolerance = dtype == .float32 ? 1e-5 : 1e-12
        for c in IndexingFixture.cases("concat") {
            let axis = IndexingFixture.int(c["axis"])
            let shapes = c["shapes"] as! [Any]
            let inputs = zip(c["inputs"] as! [Any], shapes).map { IndexingFixture.tensor($0, $1, dtype) }
            let expected = IndexingFixture.doubles(c["output"]), outShape = IndexingFixture.ints(c["output_shape"])
            expectClose(Tensor.concat(inputs, axis: axis), expected, shape: outShape, tolerance: tolerance)
            // Mixed layouts: every other input non-contiguous.
            let mixed = inputs.enumerated().map { $0.offset % 2 == 0 ? IndexingFixture.strided($0.element) : $0.element }
            expectClose(Tensor.concat(mixed, axis: axis), expected, shape: outShape, tolerance: tolerance)

            let leaves = inputs.map { $0.detach().requiringGrad() }
            Tensor.concat(leaves, axis: axis).backward(IndexingFixture.tensor(c["grad_output"], c["output_shape"], dtype))
            for (leaf, grad) in zip(leaves, c["grad_inputs"] as! [Any]) {
                expectClose(leaf.grad!, IndexingFixture.doubles(grad), shape: leaf.shape, tolerance: tolerance)
            }
        }
    }

    @Test(arguments: floatTypes)
    func stackMatchesTorch(dtype: DType) {
        for c in IndexingFixture.cases("stack") {
            let inputs = (c["inputs"] as! [Any]).map { IndexingFixture.tensor($0, c["shape"], dtype) }
            let expected = IndexingFixture.doubles(c["output"]), outShape = IndexingFixture.ints(c["output_shape"])
            let axis = IndexingFixture.int(c["axis"])
            expectClose(Tensor.stack(inputs, axis: axis), expected, shape: outShape, tolerance: 1e-6)
            expectClose(Tensor.stack(inputs.map(IndexingFixture.strided), axis: axis), expected, shape: outShape, tolerance: 1e-6)
            // A negative axis counts from the end of the result.
            let positive = axis < 0 ? axis + outShape.count : axis
            expectClose(Tensor.stack(inputs, axis: positive - outShape.count), expected, shape: outShape, tolerance: 1e-6)
        }
    }

    @Test func splitAndChunkMatchTorch() {
        for c in IndexingFixture.cases("split") {
            let x = IndexingFixture.tensor(c["input"], c["shape"], .float64)
            let axis = IndexingFixture.int(c["axis"])
            for source in [x, IndexingFixture.strided(x)] {
                let bySizes = source.split(sizes: IndexingFixture.ints(c["sizes"]), axis: axis)
                let expectedSizes = c["by_sizes"] as! [Any]
                #expect(bySizes.count == expectedSizes.count)
                for (piece, values) in zip(bySizes, expectedSizes) {
                    #expect(piece.storage === source.storage)
                    expectClose(piece, IndexingFixture.doubles(values))
                }
                let bySize = source.split(size: IndexingFixture.int(c["size"]), axis: axis)
                #expect(bySize.map(\.shape) == (c["by_size_shapes"] as! [Any]).map { IndexingFixture.ints($0) })
                for (piece, values) in zip(bySize, c["by_size"] as! [Any]) { expectClose(piece, IndexingFixture.doubles(values)) }
                let chunks = source.chunk(IndexingFixture.int(c["chunks"]), axis: axis)
                let expectedChunks = c["by_chunk"] as! [Any]
                #expect(chunks.count == expectedChunks.count)
                for (piece, values) in zip(chunks, expectedChunks) { expectClose(piece, IndexingFixture.doubles(values)) }
            }
        }
        // torch.chunk may return fewer pieces than asked: 5 rows in 4 chunks of 2.
        #expect(Tensor.zeros([5, 2]).chunk(4).map { $0.shape[0] } == [2, 2, 1])
    }

    @Test func integerAndBoolTensorsJoinAndSplit() {
        let a = Tensor([1, 2, 3, 4] as [Int32], shape: [2, 2])
        let b = Tensor([5, 6] as [Int32], shape: [2, 1])
        let joined = Tensor.concat([a, b], axis: -1)
        #expect(joined.shape == [2, 3] && joined.scalars(as: Int32.self) == [1, 2, 5, 3, 4, 6])
        #expect(Tensor.concat([a.transposed(), a], axis: 0).scalars(as: Int32.self) == [1, 3, 2, 4, 1, 2, 3, 4])
        let ids = Tensor([7, 8, 9] as [Int64])
        let stacked = Tensor.stack([ids, ids.slice(axis: 0, 0..<3)], axis: 1)
        #expect(stacked.shape == [3, 2] && stacked.scalars(as: Int64.self) == [7, 7, 8, 8, 9, 9])
        let masks = Tensor.stack([Tensor([true, false]), Tensor([false, false])], axis: -1)
        #expect(masks.shape == [2, 2] && masks.scalars(as: Bool.self) == [true, false, false, false])
        #expect(Tensor.concat([Tensor([true]), Tensor([false, true])]).scalars(as: Bool.self) == [true, false, true])
        let parts = joined.split(sizes: [2, 1], axis: 1)
        #expect(parts[0].scalars(as: Int32.self) == [1, 2, 3, 4] && parts[1].scalars(as: Int32.self) == [5, 6])
        #expect(Tensor.concat(parts, axis: 1).scalars(as: Int32.self) == joined.scalars(as: Int32.self))
        let halves = Tensor([1, 2, 3, 4] as [Float]).cast(to: .bfloat16)
        #expect(Tensor.concat(halves.chunk(2).reversed()).cast(to: .float32).scalars(as: Float.self) == [3, 4, 1, 2])
        let scalars = Tensor.stack([Tensor(scalar: 1.0), Tensor(scalar: 2.0)])
        #expect(scalars.shape == [2] && scalars.scalars(as: Double.self) == [1, 2])
        // Empty pieces are fine.
        #expect(Tensor.concat([Tensor.zeros([0, 3]), Tensor.ones([2, 3])]).shape == [2, 3])
    }

    @Test func gradcheckJoinsAndSplits() {
        let a = randomTensor([2, 3], seed: 1), b = randomTensor([3, 4], seed: 2).transposed(), c = randomTensor([1, 3], seed: 3)
        expectGradcheck([a, c, b]) { Tensor.concat($0, axis: 0) }
        expectGradcheck([a, c, b]) { Tensor.concat($0, axis: 0).transposed() }
        expectGradcheck([a, randomTensor([2, 2], seed: 4)]) { Tensor.concat([$0[0], $0[1] * 2, $0[0]], axis: -1) }
        expectGradcheck([a, randomTensor([3, 2], seed: 5).transposed()]) { Tensor.stack($0, axis: 1) }
        expectGradcheck([a, randomTensor([3], seed: 6)]) { Tensor.stack([$0[0][0], $0[1], $0[0][1] * $0[1]], axis: -1) }
        expectGradcheck([randomTensor([4, 5], seed: 7).transposed()]) {
            let parts = $0[0].split(sizes: [2, 0, 3], axis: 0)
            return Tensor.concat([parts[2] * 3, parts[0]], axis: 0)
        }
        expectGradcheck([randomTensor([3, 7], seed: 8)]) {
            let pieces = $0[0].split(size: 3, axis: -1)
            return pieces[2] * pieces[0].slice(axis: 1, 0..<1)
        }
        expectGradcheck([randomTensor([5, 2], seed: 9).transposed()]) {
            let pieces = $0[0].chunk(3, axis: 1)
            return Tensor.concat([pieces[1], pieces[0] * pieces[0], pieces[2]], axis: 1)
        }
    }

    @Test func mismatchedShapesStop() async {
        let concat = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.concat([Tensor.zeros([2, 3]), Tensor.zeros([2, 4])], axis: 0)
        }
        if let concat {
            let message = String(decoding: concat.standardErrorContent, as: UTF8.self)
            #expect(message.contains("concat: shapes [2, 3] and [2, 4] do not match outside axis 0"), "\(message)")
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.stack([Tensor.zeros([2]), Tensor.zeros([3])])
        }
        await #expect(processExitsWith: .failure) {
            _ = Tensor.zeros([4]).split(sizes: [1, 2])
        }
    }
}
