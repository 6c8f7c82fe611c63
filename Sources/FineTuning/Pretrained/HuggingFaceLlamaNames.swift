/// Renames ``GPT`` modules to and from the module names of Hugging Face's LLaMA-family models
/// (`LlamaForCausalLM`: SmolLM2, Llama, Mistral, Qwen2), the names PEFT adapters and
/// `target_modules` use.
///
/// | Swift                         | Hugging Face                          |
/// |-------------------------------|---------------------------------------|
/// | `layers.N.attention.query`    | `model.layers.N.self_attn.q_proj`     |
/// | `layers.N.attention.key`      | `model.layers.N.self_attn.k_proj`     |
/// | `layers.N.attention.value`    | `model.layers.N.self_attn.v_proj`     |
/// | `layers.N.attention.output`   | `model.layers.N.self_attn.o_proj`     |
/// | `layers.N.feedForward.gate`   | `model.layers.N.mlp.gate_proj`        |
/// | `layers.N.feedForward.up`     | `model.layers.N.mlp.up_proj`          |
/// | `layers.N.feedForward.down`   | `model.layers.N.mlp.down_proj`        |
/// | `layers.N.attentionNorm`      | `model.layers.N.input_layernorm`      |
/// | `layers.N.feedForwardNorm`    | `model.layers.N.post_attention_layernorm` |
/// | `tokenEmbedding`              | `model.embed_tokens`                  |
/// | `finalNorm`                   | `model.norm`                          |
/// | `head`                        | `lm_head`                             |
///
/// ```swift
/// HuggingFaceLlamaNames.target("q_proj")                                  // "attention.query"
/// HuggingFaceLlamaNames.ourPath(forHuggingFace: "model.layers.3.mlp.up_proj")   // "layers.3.feedForward.up"
/// HuggingFaceLlamaNames.huggingFacePath(forOurs: "layers.3.attention.key")      // "model.layers.3.self_attn.k_proj"
/// ```
public enum HuggingFaceLlamaNames {
    /// The Hugging Face repository of the model `make llm` fetches, the default
    /// `base_model_name_or_path` of adapters saved for it.
    public static let smolLM2Repository = "HuggingFaceTB/SmolLM2-135M-Instruct"

    /// Names inside block N: ours (after `layers.N.`) and Hugging Face's (after `model.layers.N.`).
    static let inBlock: [(ours: String, huggingFace: String)] = [
        ("attention.query", "self_attn.q_proj"), ("attention.key", "self_attn.k_proj"),
        ("attention.value", "self_attn.v_proj"), ("attention.output", "self_attn.o_proj"),
        ("feedForward.gate", "mlp.gate_proj"), ("feedForward.up", "mlp.up_proj"), ("feedForward.down", "mlp.down_proj"),
        ("attentionNorm", "input_layernorm"), ("feedForwardNorm", "post_attention_layernorm"),
    ]
    /// Names outside the blocks.
    static let topLevel: [(ours: String, huggingFace: String)] = [
        ("tokenEmbedding", "model.embed_tokens"), ("finalNorm", "model.norm"), ("head", "lm_head"),
    ]

    /// The short projection names PEFT's `target_modules` uses for LLaMA models, in block order.
    public static let projectionNames = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

    /// A LoRA target in our names: a Hugging Face short name (`q_proj`, `mlp.up_proj`) becomes
    /// ours (`attention.query`, `feedForward.up`); anything else (our names, globs) is returned
    /// as it is.
    public static func target(_ name: String) -> String {
        for pair in inBlock where pair.huggingFace == name || pair.huggingFace.hasSuffix("." + name) {
            return pair.ours
        }
        return name
    }

    /// Our module path for a Hugging Face module path (`model.layers.3.self_attn.q_proj` →
    /// `layers.3.attention.query`), or nil when no module of ours has it.
    public static func ourPath(forHuggingFace path: String) -> String? {
        if let pair = topLevel.first(where: { $0.huggingFace == path }) { return pair.ours }
        guard let (index, rest) = splitBlock(path, prefix: "model.layers."),
              let pair = inBlock.first(where: { $0.huggingFace == rest }) else { return nil }
        return "layers.\(index).\(pair.ours)"
    }

    /// The Hugging Face module path for our module path (`layers.3.attention.key` →
    /// `model.layers.3.self_attn.k_proj`), or nil when Hugging Face has no such module.
    public static func huggingFacePath(forOurs path: String) -> String? {
        if let pair = topLevel.first(where: { $0.ours == path }) { return pair.huggingFace }
        guard let (index, rest) = splitBlock(path, prefix: "layers."),
              let pair = inBlock.first(where: { $0.ours == rest }) else { return nil }
        return "model.layers.\(index).\(pair.huggingFace)"
    }

    /// `prefix` + digits + `.` + rest → (digits, rest).
    private static func splitBlock(_ path: String, prefix: String) -> (Int, String)? {
        guard path.hasPrefix(prefix) else { return nil }
        let tail = path.dropFirst(prefix.count)
        guard let dot = tail.firstIndex(of: "."), let index = Int(tail[..<dot]), index >= 0 else { return nil }
        return (index, String(tail[tail.index(after: dot)...]))
    }
}
