import Foundation
import FineTuning

/// The small models the harness loads inputs into.
enum TinyBert {
    static let vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the", "cat", "##s", ",", "!"]

    /// A random 2-layer BERT (width 8, 12 tokens, with pooler) under Hugging Face names, and its
    /// vocab.txt.
    static func writeCheckpoint(into folder: URL) throws {
        var config = EncoderConfig(vocabularySize: 12, dim: 8, layers: 2, heads: 2, hidden: 16)
        config.maxPositions = 10
        let encoder = Encoder(config, generator: Generator(seed: 3))
        try SafeTensors.save(BertNameMapping.huggingFaceStateDict(fromOurs: encoder.stateDict()),
                             to: folder.appendingPathComponent("model.safetensors"), durable: false)
        try (vocabulary.joined(separator: "\n") + "\n")
            .write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
    }

    /// The base encoder of `Tests/Fixtures/make_peft_fixtures.py` (float64, width 16, 2 layers).
    static func peftBase() -> Encoder {
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.maxPositions = 12
        config.dtype = .float64
        return Encoder(config, generator: Generator(seed: 1))
    }
}
