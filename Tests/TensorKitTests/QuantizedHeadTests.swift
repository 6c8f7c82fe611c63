import Testing
@testable import TensorKit

/// A tied table kept in its blocks: `Tensor.quantizedEmbedding` and
/// `Tensor.quantizedLinearCrossEntropy` against the dense ops on the dequantized table.
@Suite struct QuantizedHeadTests {
    @Test(arguments: [GGMLType.q8_0, .q4_K, .f16])
    func embeddingDecodesTheRowsAskedFor(type: GGMLType) {
        let table = QuantizedLinearTests.randomWeight(type, rows: 40, rowLength: 256, seed: 3)
        let ids = Tensor([39, 0, 7, 7, 21, 0] as [Int32], shape: [2, 3])
        let rows = Tensor.quantizedEmbedding(ids, weight: table)
        #expect(rows.shape == [2, 3, 256] && rows.dtype == .float32 && !rows.requiresGrad)
        let expected = Tensor.embedding(ids, weight: table.dequantized())
        #expect(rows.scalars(as: Float.self) == expected.scalars(as: Float.self))
    }

    /// Hidden states and a bias requiring gradients; 70 rows of targets, some ignored, through
    /// chunks of 3 rows (the few-row kernels), 32 rows and all rows at once (the tiled GEMMs).
    @Test(arguments: [3, 32, 1 << 10])
    func lossEqualsTheDenseFusedLoss(chunkRows: Int) {
        let classes = 300, width = 64, rows = 70
        let table = QuantizedLinearTests.randomWeight(.q8_0, rows: classes, rowLength: width, seed: 5)
        let hidden = randomTensor([rows, width], seed: 6, dtype: .float32, low: -2, high: 2)
        let bias = randomTensor([classes], seed: 7, dtype: .float32)
        let targets = Tensor((0..<rows).map { Int32($0 % 5 == 2 ? -100 : ($0 * 37) % classes) }, shape: [rows])
        func run(_ loss: (Tensor, Tensor) -> Tensor) -> (Double, [Tensor]) {
            let (h, b) = (hidden.clone().requiringGrad(), bias.clone().requiringGrad())
            let value = loss(h, b)
            (value * 2.5).backward()
            return (value.item(), [h.grad!, b.grad!])
        }
        let quantized = run {
            Tensor.quantizedLinearCrossEntropy($0, weight: table, bias: $1, targets: targets, chunkElements: chunkRows * classes)
        }
        let dense = run {
            Tensor.linearCrossEntropy($0, weight: table.dequantized(), bias: $1, targets: targets, chunkElements: chunkRows * classes)
        }
        LinearCrossEntropyTests.expectSame(quantized, dense, tolerance: 1e-5)
    }

    @Test func frozenInputsRecordNothing() {
        let table = QuantizedLinearTests.randomWeight(.q8_0, rows: 20, rowLength: 32, seed: 8)
        let hidden = randomTensor([4, 32], seed: 9, dtype: .float32)
        let loss = Tensor.quantizedLinearCrossEntropy(hidden, weight: table, targets: Tensor([1, 2, 3, 19] as [Int32], shape: [4]))
        #expect(!loss.requiresGrad)
        let expected = Tensor.crossEntropy(logits: Tensor.linear(hidden, weight: table.dequantized()),
                                           targets: Tensor([1, 2, 3, 19] as [Int32], shape: [4]))
        #expect(Swift.abs(loss.item() - expected.item() as Double) <= 1e-5 * Swift.abs(expected.item() as Double))
    }
}
