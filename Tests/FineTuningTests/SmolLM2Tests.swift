import Foundation
import Testing
import TestFixtures
import FineTuning

/// Reference outputs of SmolLM2-135M-Instruct from Hugging Face transformers loading the same
/// Q4_1 GGUF dequantized to float32 (Tests/Fixtures/make_smollm2_fixtures.py).
private struct SmolLM2Reference: Decodable {
    struct Prompt: Decodable {
        var kind: String
        var prompt: String
        var input_ids: [Int]
        var top5_ids: [Int]
        var top5_logits: [Double]
        var logits_0_5: [Double]
        var greedy_ids: [Int]
    }
    var prompts: [Prompt]
}

/// SmolLM2-135M-Instruct loaded from its GGUF file (`make llm`; fetched when missing) against
/// transformers. One test loads the model once for every prompt: loading dequantizes 135 M
/// weights, the slowest step in a debug build.
@Suite struct SmolLM2Tests {
    @Test func configurationFromTheFile() throws {
        let gguf = try GGUFFile(contentsOf: try smolLM2File.get())
        let config = try GPTConfig(gguf: gguf)
        #expect(config.vocabularySize == 49_152 && config.dim == 576 && config.layers == 30)
        #expect(config.heads == 9 && config.kvHeads == 3 && config.hidden == 1536 && config.maxPositions == 8192)
        #expect(config.positions == .rotary(base: 100_000) && config.norm == .rmsNorm && config.feedForward == .swiGLU)
        #expect(abs(config.normEps - 1e-5) < 1e-12 && !config.bias && config.tiedHead)   // float32 in the file
    }

    /// Four raw and four chat-templated prompts (1 to 74 tokens; a one-token prompt alone could
    /// not tell the query/key row order apart), each run once on the prompt followed by
    /// transformers' greedy tokens: at the last prompt position the five largest logits and
    /// logits[0..<5] within 1e-3 and the same top-5 ids; at every position from there the
    /// argmax is transformers' next greedy token (so greedy decoding reproduces all of them).
    /// `generate` itself, with its KV cache, runs on two prompts below: one forward of many
    /// tokens costs far less than one decoding step per token in a debug build.
    @Test func matchesTransformers() throws {
        let data = try Data(contentsOf: fixtureURL("smollm2_reference.json"))
        let reference = try JSONDecoder().decode(SmolLM2Reference.self, from: data)
        #expect(reference.prompts.count == 8)
        #expect(reference.prompts.filter { $0.input_ids.count >= 20 }.count >= 4)
        let model = try GPT.pretrained(ggufAt: try smolLM2File.get())
        #expect(!model.isTraining)
        var worst = 0.0
        for (i, prompt) in reference.prompts.enumerated() {
            let label = "prompt \(i) (\(prompt.kind), \(prompt.input_ids.count) tokens)"
            let sequence = prompt.input_ids + prompt.greedy_ids.dropLast()
            let ids = Tensor(sequence.map { Int32($0) }, shape: [1, sequence.count])
            let logits = withGradientsDisabled { model(ids) }
            let rows = (0..<prompt.greedy_ids.count).map { step in
                logits.select(axis: 1, index: prompt.input_ids.count - 1 + step).reshape([-1]).scalars(as: Float.self)
            }
            let last = rows[0]
            #expect(largest(5, of: last) == prompt.top5_ids, "\(label): top-5 ids")
            let observed = prompt.top5_ids.map { Double(last[$0]) } + (0..<5).map { Double(last[$0]) }
            let expected = prompt.top5_logits + prompt.logits_0_5
            for (a, b) in zip(observed, expected) {
                worst = max(worst, abs(a - b))
                #expect(abs(a - b) <= 1e-3, "\(label): logit \(a) vs transformers \(b)")
            }
            #expect(rows.map { largest(1, of: $0)[0] } == prompt.greedy_ids, "\(label): greedy tokens")
        }
        print("SmolLM2: largest |Δlogit| vs transformers \(worst)")

        // Decoding with the KV cache: raw "Hello" (16 steps from one token, rotations at every
        // later position) and the chat-templated "Hello" → "Hello! How can I assist you today?".
        for i in [0, 4] {
            let prompt = reference.prompts[i]
            let greedy = model.generate(prompt.input_ids, maxNewTokens: 16, sampling: .greedy, stopTokens: [2])
            #expect(greedy == prompt.greedy_ids, "prompt \(i) (\(prompt.kind)): generate")
        }
        #expect(reference.prompts[4].kind == "chat" && reference.prompts[4].greedy_ids.last == 2)
    }

    /// The indices of the `k` largest values, largest first (one pass: sorting 49,152 logits
    /// with a closure is slow in a debug build).
    private func largest(_ k: Int, of values: [Float]) -> [Int] {
        var best: [Int] = []
        for i in values.indices where best.count < k || values[i] > values[best[k - 1]] {
            let at = best.firstIndex { values[i] > values[$0] } ?? best.count
            best.insert(i, at: at)
            if best.count > k { best.removeLast() }
        }
        return best
    }
}
