import Foundation
import Testing
import TestFixtures
import FineTuning

/// SmolLM2-135M-Instruct loaded with `quantized: true` (Q4_1 projections decoded inside each
/// product, the tied head read from the file's Q8_0 embedding blocks when decoding) against the
/// same transformers reference as ``SmolLM2Tests`` (float32 dequantized weights).
@Suite struct SmolLM2QuantizedTests {
    private struct Reference: Decodable {
        struct Prompt: Decodable {
            var kind: String
            var input_ids: [Int]
            var top5_ids: [Int]
            var top5_logits: [Double]
            var greedy_ids: [Int]
        }
        var prompts: [Prompt]
    }

    /// The one-token raw prompt runs every step through the few-row kernels (and the Q8_0 table,
    /// input and head);
    /// the chat prompt prefills through the tiled GEMMs, then decodes. Logits at the last prompt
    /// position within 1e-3 of transformers, greedy tokens identical.
    @Test func quantizedModelMatchesTransformers() throws {
        let data = try Data(contentsOf: fixtureURL("smollm2_reference.json"))
        let reference = try JSONDecoder().decode(Reference.self, from: data)
        let llm = try PretrainedLLM(contentsOf: try smolLM2File.get(), quantized: true)
        let model = llm.model
        #expect(model.layers[0].attention.query is QuantizedLinear)
        #expect((model.tokenEmbedding as? QuantizedEmbedding)?.quantizedWeight.type == .q8_0)
        #expect(!model.namedParameters().contains { $0.name.hasPrefix("tokenEmbedding") })
        for (i, steps) in [(0, 4), (4, 3)] {
            let prompt = reference.prompts[i]
            var last: [Float] = []
            let greedy = model.generate(prompt.input_ids, maxNewTokens: steps, sampling: .greedy, stopTokens: [2],
                                        onPromptLogits: { last = $0 })
            #expect(greedy == Array(prompt.greedy_ids.prefix(steps)), "prompt \(i) (\(prompt.kind)): generate")
            for (id, expected) in zip(prompt.top5_ids, prompt.top5_logits) {
                #expect(abs(Double(last[id]) - expected) <= 1e-3, "prompt \(i): logit \(id) \(last[id]) vs transformers \(expected)")
            }
        }
    }
}
