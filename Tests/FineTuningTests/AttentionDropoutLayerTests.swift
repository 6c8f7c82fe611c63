import Foundation
import Testing
import TensorKit
@testable import FineTuning

/// Attention-probability dropout through the layers: training mode only, from the block's
/// generator (so checkpointing replays it), and from BERT's config.json.
@Suite struct AttentionDropoutLayerTests {
    @Test func onlyInTrainingMode() {
        let attention = MultiHeadAttention(dim: 8, heads: 2, attentionDropout: 0.5, generator: Generator(seed: 1))
        attention.dropoutGenerator = Generator(seed: 2)
        let x = Tensor.uniform([2, 5, 8], low: -1, high: 1, generator: Generator(seed: 3))
        attention.eval()
        let evaluated = attention(x).scalars(as: Float.self)
        attention.attentionDropout = 0
        attention.train()
        #expect(attention(x).scalars(as: Float.self) == evaluated, "no dropout: training equals evaluation")
        attention.attentionDropout = 0.5
        #expect(attention(x).scalars(as: Float.self) != evaluated, "training drops probabilities")
    }

    @Test func checkpointedBlockReplaysTheAttentionMask() {
        func gradients(checkpointed: Bool) -> [Float] {
            let block = TransformerBlock(dim: 8, heads: 2, hidden: 16, dropout: 0.1, attentionDropout: 0.3,
                                         generator: Generator(seed: 4))
            let x = Tensor.uniform([2, 5, 8], low: -1, high: 1, generator: Generator(seed: 5)).requiringGrad()
            let y = checkpointed ? block.checkpointed(x) : block(x)
            (y * y).sum().backward()
            return x.grad!.scalars(as: Float.self) + block.attention.query!.weight.grad!.scalars(as: Float.self)
        }
        #expect(gradients(checkpointed: true) == gradients(checkpointed: false))
    }

    @Test func bertConfigCarriesTheAttentionDropout() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attention-dropout-\(UUID().uuidString).json")
        let json: [String: Any] = [
            "model_type": "bert", "vocab_size": 12, "hidden_size": 8, "num_hidden_layers": 1,
            "num_attention_heads": 2, "intermediate_size": 16, "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.25,
        ]
        try JSONSerialization.data(withJSONObject: json).write(to: url)
        let config = try BertConfig(contentsOf: url).encoderConfig()
        #expect(config.attentionDropout == 0.25 && config.dropout == 0.1)
        #expect(Encoder(config, generator: Generator(seed: 0)).layers[0].attention.attentionDropout == 0.25)
    }
}
