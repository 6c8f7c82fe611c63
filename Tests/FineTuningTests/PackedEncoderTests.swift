import Testing
@testable import FineTuning

/// The encoder on sequences packed end to end without padding
/// (`Encoder.callAsFunction(packed:sequenceLengths:tokenTypes:)`) against a padded, masked batch.
@Suite struct PackedEncoderTests {
    let sequences = [[1, 5, 6, 7, 2], [1, 8, 2], [1, 9, 9, 9, 9, 9, 9, 2], [1, 2]]
    var lengths: [Int] { sequences.map(\.count) }

    private func encoder(dropout: Double = 0, generator: Generator = Generator(seed: 11)) -> Encoder {
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.maxPositions = 12
        config.dtype = .float64
        config.dropout = dropout
        config.attentionDropout = dropout
        return Encoder(config, generator: generator)
    }

    private var packedIDs: Tensor { Tensor(sequences.flatMap { $0.map(Int64.init) }, shape: [lengths.reduce(0, +)]) }
    private var packedTypes: Tensor {
        Tensor(sequences.flatMap { row in row.indices.map { Int64($0 >= row.count / 2 ? 1 : 0) } }, shape: [lengths.reduce(0, +)])
    }

    /// The padded batch, its mask and token types (second half of each sequence type 1).
    private func padded() -> (ids: Tensor, mask: Tensor, types: Tensor) {
        let longest = lengths.max()!
        let ids = sequences.map { $0 + [Int](repeating: 0, count: longest - $0.count) }
        let mask = sequences.map { row in (0..<longest).map { $0 < row.count ? 1 : 0 } }
        let types = sequences.map { row in (0..<longest).map { $0 < row.count && $0 >= row.count / 2 ? 1 : 0 } }
        return (tokenIds(ids), tokenIds(mask), tokenIds(types))
    }

    /// The real rows of padded hidden states `[B, L, D]`, packed `[T, D]`.
    private func realRows(_ hidden: Tensor) -> Tensor {
        Tensor.concat(lengths.enumerated().map { hidden[$0.offset].slice(axis: 0, 0..<$0.element) }, axis: 0)
    }

    @Test func hiddenStatesMatchAPaddedMaskedBatch() {
        let model = encoder()
        model.eval()
        let batch = padded()
        let hidden = model(batch.ids, tokenTypes: batch.types, mask: batch.mask)
        let packed = model(packed: packedIDs, sequenceLengths: lengths, tokenTypes: packedTypes)
        #expect(packed.shape == [lengths.reduce(0, +), 16])
        expectTensorsClose(packed, realRows(hidden), tolerance: 1e-10)
        // Each sequence sees only itself: with the first two merged into one, the rows differ.
        let merged = model(packed: packedIDs, sequenceLengths: [lengths[0] + lengths[1]] + lengths.dropFirst(2), tokenTypes: packedTypes)
        #expect((merged - packed).abs().sum().item() > 1e-6)
        // Mean pooling over each sequence's rows is the masked mean of the padded batch.
        expectTensorsClose(meanPooling(packed, sequenceLengths: lengths), meanPooling(hidden, mask: batch.mask), tolerance: 1e-10)
    }

    /// Every parameter's gradient equals the padded batch's (training mode, no dropout), with
    /// and without gradient checkpointing.
    @Test func gradientsMatchAPaddedMaskedBatch() {
        let model = encoder()
        let batch = padded()
        let upstream = Tensor.normal([lengths.reduce(0, +), 16], dtype: .float64, generator: Generator(seed: 4))
        func gradients(_ run: () -> Tensor) -> [Tensor] {
            model.parameters().forEach { $0.zeroGrad() }
            (run() * upstream).sum().backward()
            return model.parameters().map { $0.grad ?? $0.zerosLike() }
        }
        let want = gradients { realRows(model(batch.ids, tokenTypes: batch.types, mask: batch.mask)) }
        let got = gradients { model(packed: packedIDs, sequenceLengths: lengths, tokenTypes: packedTypes) }
        model.gradientCheckpointing = true
        let checkpointed = gradients { model(packed: packedIDs, sequenceLengths: lengths, tokenTypes: packedTypes) }
        for (g, w) in zip(got, want) { expectTensorsClose(g, w, tolerance: 1e-10) }
        #expect(got.contains { $0.abs().sum().item() > 0 })
        for (c, w) in zip(checkpointed, want) { expectTensorsClose(c, w, tolerance: 1e-10) }
    }

    /// Under dropout, checkpointing replays the very masks of the first run.
    @Test func checkpointingReplaysDropout() {
        let generator = Generator(seed: 0)
        let model = encoder(dropout: 0.3, generator: generator)   // every dropout draws from `generator`
        func gradients(_ checkpointing: Bool) -> [Tensor] {
            model.gradientCheckpointing = checkpointing
            model.parameters().forEach { $0.zeroGrad() }
            generator.reseed(8)
            model(packed: packedIDs, sequenceLengths: lengths).pow(2).sum().backward()
            return model.parameters().map { $0.grad ?? $0.zerosLike() }
        }
        let plain = gradients(false)
        for (a, b) in zip(gradients(true), plain) { expectTensorsClose(a, b, tolerance: 1e-12) }
        // The masks do drop: a second draw gives other gradients.
        model.gradientCheckpointing = false
        model.parameters().forEach { $0.zeroGrad() }
        model(packed: packedIDs, sequenceLengths: lengths).pow(2).sum().backward()
        #expect(zip(model.parameters().map { $0.grad ?? $0.zerosLike() }, plain).contains { ($0 - $1).abs().sum().item() > 1e-6 })
    }
}
