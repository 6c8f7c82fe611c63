import Foundation
import Testing
@testable import TensorKit

@Suite struct TriangularTests {
    @Test(arguments: [DType.float32, .float64])
    func trilAndTriuMatchTorch(dtype: DType) {
        for c in IndexingFixture.cases("triangular") {
            let x = IndexingFixture.tensor(c["input"], c["shape"], dtype)
            let diagonal = IndexingFixture.int(c["diagonal"])
            for source in [x, IndexingFixture.strided(x)] {
                expectClose(source.tril(diagonal: diagonal), IndexingFixture.doubles(c["tril"]), shape: x.shape)
                expectClose(source.triu(diagonal: diagonal), IndexingFixture.doubles(c["triu"]), shape: x.shape)
            }
        }
    }

    @Test func handWorkedMasksForEveryDtype() {
        #expect(Tensor.ones([3, 3]).tril().scalars(as: Float.self) == [1, 0, 0, 1, 1, 0, 1, 1, 1])
        #expect(Tensor.ones([2, 3], dtype: .float64).triu(diagonal: 1).scalars(as: Double.self) == [0, 1, 1, 0, 0, 1])
        let ints = Tensor((1...6).map(Int64.init), shape: [3, 2])
        #expect(ints.tril(diagonal: -1).scalars(as: Int64.self) == [0, 0, 3, 0, 5, 6])
        #expect(ints.transposed().triu().scalars(as: Int64.self) == [1, 3, 5, 0, 4, 6])
        #expect(Tensor((1...4).map(Int32.init), shape: [2, 2]).triu(diagonal: 5).scalars(as: Int32.self) == [0, 0, 0, 0])
        // A causal mask.
        let causal = Tensor.full([3, 3], value: 1, dtype: .bool).tril()
        #expect(causal.scalars(as: Bool.self) == [true, false, false, true, true, false, true, true, true])
        // Batched over leading axes, each matrix masked the same way.
        let batch = Tensor.ones([2, 2, 2]).triu()
        #expect(batch.scalars(as: Float.self) == [1, 1, 0, 1, 1, 1, 0, 1])
    }

    @Test func gradcheckTriangles() {
        expectGradcheck([randomTensor([3, 4], seed: 1)]) { $0[0].tril() }
        expectGradcheck([randomTensor([4, 3], seed: 2).transposed()]) { $0[0].triu(diagonal: 1) }
        expectGradcheck([randomTensor([2, 3, 3], seed: 3).permute([1, 2, 0])]) { $0[0].tril(diagonal: -1) * 2 }
        expectGradcheck([randomTensor([2, 3, 3], seed: 4), randomTensor([3], seed: 5)]) { ($0[0] * $0[1]).triu(diagonal: -1) }
        expectGradcheck([randomTensor([4, 3], seed: 6)]) { $0[0].tril(diagonal: 1).transposed() }
    }

    @Test func rankOneStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3]).tril()
        }
        if let result {
            let message = String(decoding: result.standardErrorContent, as: UTF8.self)
            #expect(message.contains("tril: needs a tensor of rank >= 2"), "\(message)")
        }
    }
}
