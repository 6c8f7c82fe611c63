import Foundation
import Testing
import TestFixtures
import TensorKit
@testable import FineTuning

/// Reference embeddings of all-MiniLM-L6-v2 from Hugging Face transformers
/// (Tests/Fixtures/make_minilm_fixtures.py).
private struct MiniLMReference: Decodable {
    var max_length: Int
    var sentences: [String]
    var input_ids: [[Int]]
    var embeddings: [[Double]]
}

/// The model folder, fetched once per process (see `miniLMFolder`).
private var miniLMModelFolder: Result<URL, FixtureFetchFailure> { miniLMFolder }

@Suite struct PretrainedMiniLMTests {
    private let reference: MiniLMReference = {
        let data = try! Data(contentsOf: fixtureURL("minilm_embeddings.json"))
        return try! JSONDecoder().decode(MiniLMReference.self, from: data)
    }()

    /// Token ids identical and cosine ≥ 0.99999 with transformers for every sentence (long one
    /// truncated to 128 tokens, CJK, emoji, empty and whitespace-only lines included).
    @Test func embeddingsMatchSentenceTransformers() throws {
        let model = try PretrainedEncoder(directory: try miniLMModelFolder.get())
        #expect(model.config.hiddenSize == 384 && model.config.layers == 6 && model.encoder.pooler != nil)
        #expect(!model.encoder.isTraining)
        let embedder = SentenceEmbedder(encoder: model.encoder, tokenizer: model.tokenizer,
                                        maxLength: reference.max_length, batchSize: 8)
        let results = embedder.embedWithTokens(reference.sentences)
        #expect(results.count == reference.sentences.count)
        var worst = 1.0
        for (i, result) in results.enumerated() {
            #expect(result.ids == reference.input_ids[i], "sentence \(i): \(reference.sentences[i].prefix(40))")
            let e = result.embedding.map(Double.init), r = reference.embeddings[i]
            let dot = zip(e, r).map { $0 * $1 }.reduce(0, +)
            let cosine = dot / ((e.map { $0 * $0 }.reduce(0, +)).squareRoot() * (r.map { $0 * $0 }.reduce(0, +)).squareRoot())
            worst = min(worst, cosine)
            #expect(cosine >= 0.99999, "sentence \(i): cosine \(cosine)")
            #expect(abs(e.map { $0 * $0 }.reduce(0, +) - 1) < 1e-5, "sentence \(i) is not unit length")
        }
        #expect(worst >= 0.99999)
        // Batching and padding do not change the result.
        let alone = embedder.embed([reference.sentences[1]])[0]
        #expect(zip(alone, results[1].embedding).allSatisfy { abs($0 - $1) < 1e-5 })
    }
}
