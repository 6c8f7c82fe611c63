/// Renames ``GPT`` parameters to and from the tensor names of llama.cpp's GGUF files
/// (`llama` architecture), in both directions: loading reads GGUF names, exporting writes them.
///
/// | Swift                               | GGUF                        |
/// |-------------------------------------|-----------------------------|
/// | `tokenEmbedding.weight`             | `token_embd.weight`         |
/// | `layers.N.attentionNorm.weight`     | `blk.N.attn_norm.weight`    |
/// | `layers.N.attention.query.weight`   | `blk.N.attn_q.weight` (rows permuted, see ``GGUFQueryKeyPermutation``) |
/// | `layers.N.attention.key.weight`     | `blk.N.attn_k.weight` (rows permuted) |
/// | `layers.N.attention.value.weight`   | `blk.N.attn_v.weight`       |
/// | `layers.N.attention.output.weight`  | `blk.N.attn_output.weight`  |
/// | `layers.N.feedForwardNorm.weight`   | `blk.N.ffn_norm.weight`     |
/// | `layers.N.feedForward.gate.weight`  | `blk.N.ffn_gate.weight`     |
/// | `layers.N.feedForward.up.weight`    | `blk.N.ffn_up.weight`       |
/// | `layers.N.feedForward.down.weight`  | `blk.N.ffn_down.weight`     |
/// | `finalNorm.weight`                  | `output_norm.weight`        |
/// | `head.weight`                       | `output.weight` (absent when the head is tied) |
///
/// `.bias` names map like `.weight` names. Shapes agree as they are: GGUF lists dimensions
/// innermost first, and `GGUFTensorInfo.shape` already reverses them to `[out, in]`.
///
/// ```swift
/// GGUFNameMapping.ggufName(forOurs: "layers.3.feedForward.up.weight")   // "blk.3.ffn_up.weight"
/// GGUFNameMapping.ourName(forGGUF: "blk.3.attn_q.weight")               // "layers.3.attention.query.weight"
/// ```
public enum GGUFNameMapping {
    /// Top-level names (not inside a block), ours → GGUF.
    private static let topLevel: [(ours: String, gguf: String)] = [
        ("tokenEmbedding", "token_embd"), ("finalNorm", "output_norm"), ("head", "output"),
    ]
    /// Names inside block N, ours (after `layers.N.`) → GGUF (after `blk.N.`).
    private static let inBlock: [(ours: String, gguf: String)] = [
        ("attentionNorm", "attn_norm"), ("attention.query", "attn_q"), ("attention.key", "attn_k"),
        ("attention.value", "attn_v"), ("attention.output", "attn_output"), ("feedForwardNorm", "ffn_norm"),
        ("feedForward.gate", "ffn_gate"), ("feedForward.up", "ffn_up"), ("feedForward.down", "ffn_down"),
    ]
    private static let suffixes = ["weight", "bias"]

    /// The GGUF name of our parameter `name`, or nil when it has none.
    public static func ggufName(forOurs name: String) -> String? {
        translate(name, blockPrefix: "layers.", toBlockPrefix: "blk.", pairs: { ($0.ours, $0.gguf) })
    }

    /// Our parameter name for the GGUF tensor `name`, or nil when no parameter takes it.
    public static func ourName(forGGUF name: String) -> String? {
        translate(name, blockPrefix: "blk.", toBlockPrefix: "layers.", pairs: { ($0.gguf, $0.ours) })
    }

    /// The block index of a GGUF tensor name `blk.N.…`, or nil for names outside blocks.
    public static func blockIndex(ofGGUF name: String) -> Int? {
        splitBlock(name, prefix: "blk.")?.index
    }

    private static func translate(_ name: String, blockPrefix: String, toBlockPrefix: String,
                                  pairs: ((ours: String, gguf: String)) -> (String, String)) -> String? {
        guard let dot = name.lastIndex(of: "."), suffixes.contains(String(name[name.index(after: dot)...])) else {
            return nil
        }
        let stem = String(name[..<dot]), suffix = name[dot...]
        if let (index, rest) = splitBlock(stem, prefix: blockPrefix) {
            guard let (_, target) = inBlock.map(pairs).first(where: { $0.0 == rest }) else { return nil }
            return "\(toBlockPrefix)\(index).\(target)\(suffix)"
        }
        guard let (_, target) = topLevel.map(pairs).first(where: { $0.0 == stem }) else { return nil }
        return target + suffix
    }

    /// `prefix` + a decimal index (no sign, no leading zero) + `.` + the rest.
    private static func splitBlock(_ name: String, prefix: String) -> (index: Int, rest: String)? {
        guard name.hasPrefix(prefix) else { return nil }
        let afterPrefix = name.dropFirst(prefix.count)
        guard let dot = afterPrefix.firstIndex(of: ".") else { return nil }
        let digits = afterPrefix[..<dot]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              digits == "0" || digits.first != "0", let index = Int(digits) else { return nil }
        return (index, String(afterPrefix[afterPrefix.index(after: dot)...]))
    }
}
