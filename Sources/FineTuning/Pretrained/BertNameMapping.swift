import TensorKit

/// The two-way mapping between Hugging Face BERT parameter names and ``Encoder``'s.
///
/// Our names are relative to an ``Encoder`` (as in `encoder.stateDict()`); Hugging Face names are
/// those of a `BertModel` checkpoint. Reading accepts the variants found in the wild:
///
/// - a `bert.` prefix (task checkpoints such as `BertForSequenceClassification`, whose other
///   heads, `classifier.*` or `cls.*`, are not part of the encoder and map to nothing);
/// - the legacy TensorFlow-converted `LayerNorm.gamma` / `LayerNorm.beta` for `weight` / `bias`;
/// - buffers that are not parameters (`embeddings.position_ids`, `embeddings.token_type_ids`),
///   which are recognised by ``isIgnoredHuggingFaceName(_:)`` and skipped;
/// - with or without the pooler (`pooler.dense.*`).
///
/// Writing always produces the modern, unprefixed names that `transformers` saves.
///
/// | Ours                                    | Hugging Face                                   |
/// |-----------------------------------------|------------------------------------------------|
/// | `embeddings.wordEmbeddings.weight`      | `embeddings.word_embeddings.weight`            |
/// | `embeddings.positionEmbeddings.weight`  | `embeddings.position_embeddings.weight`        |
/// | `embeddings.tokenTypeEmbeddings.weight` | `embeddings.token_type_embeddings.weight`      |
/// | `embeddings.norm.{weight,bias}`         | `embeddings.LayerNorm.{weight,bias}`           |
/// | `layers.N.attention.query.*`            | `encoder.layer.N.attention.self.query.*`       |
/// | `layers.N.attention.key.*`              | `encoder.layer.N.attention.self.key.*`         |
/// | `layers.N.attention.value.*`            | `encoder.layer.N.attention.self.value.*`       |
/// | `layers.N.attention.output.*`           | `encoder.layer.N.attention.output.dense.*`     |
/// | `layers.N.attentionNorm.*`              | `encoder.layer.N.attention.output.LayerNorm.*` |
/// | `layers.N.feedForward.up.*`             | `encoder.layer.N.intermediate.dense.*`         |
/// | `layers.N.feedForward.down.*`           | `encoder.layer.N.output.dense.*`               |
/// | `layers.N.feedForwardNorm.*`            | `encoder.layer.N.output.LayerNorm.*`           |
/// | `pooler.*`                              | `pooler.dense.*`                               |
///
/// For ``SequenceClassifier`` (ours: `encoder.*`, `classifier.*`) and
/// `BertForSequenceClassification` (theirs: `bert.*`, `classifier.*`), see
/// ``sequenceClassifierName(forHF:)`` and ``huggingFaceSequenceClassifierName(forOurs:)``.
///
/// Adapters (LoRA) use the same table to name their targets: a module path maps with
/// ``ourModule(forHF:)`` / ``huggingFaceModule(forOurs:)``, a parameter with the name functions.
///
/// ```swift
/// BertNameMapping.ourName(forHF: "bert.encoder.layer.3.attention.self.query.weight")
/// // "layers.3.attention.query.weight"
/// BertNameMapping.huggingFaceName(forOurs: "embeddings.norm.bias")
/// // "embeddings.LayerNorm.bias"
/// ```
public enum BertNameMapping {
    /// Module paths outside the blocks, ours ↔ Hugging Face's.
    public static let embeddingModules: [(ours: String, huggingFace: String)] = [
        ("embeddings.wordEmbeddings", "embeddings.word_embeddings"),
        ("embeddings.positionEmbeddings", "embeddings.position_embeddings"),
        ("embeddings.tokenTypeEmbeddings", "embeddings.token_type_embeddings"),
        ("embeddings.norm", "embeddings.LayerNorm"),
        ("pooler", "pooler.dense"),
    ]

    /// Module paths inside block N, relative to `layers.N` (ours) and `encoder.layer.N` (theirs).
    public static let blockModules: [(ours: String, huggingFace: String)] = [
        ("attention.query", "attention.self.query"),
        ("attention.key", "attention.self.key"),
        ("attention.value", "attention.self.value"),
        ("attention.output", "attention.output.dense"),
        ("attentionNorm", "attention.output.LayerNorm"),
        ("feedForward.up", "intermediate.dense"),
        ("feedForward.down", "output.dense"),
        ("feedForwardNorm", "output.LayerNorm"),
    ]

    /// The parameter names a mapped module holds (LayerNorm's legacy names are read as these).
    public static let parameterNames: Set<String> = ["weight", "bias"]

    /// The prefix task checkpoints put before the encoder's names.
    public static let taskPrefix = "bert."

    /// Hugging Face buffers that are saved with the weights but are not parameters.
    public static let ignoredSuffixes = ["embeddings.position_ids", "embeddings.token_type_ids"]

    /// Whether a checkpoint entry is a buffer to skip rather than a weight.
    public static func isIgnoredHuggingFaceName(_ name: String) -> Bool {
        ignoredSuffixes.contains(strippingPrefix(name))
    }

    /// Our parameter name for a Hugging Face one, or nil when the entry is not an encoder
    /// parameter (an ignored buffer, a task head, an unknown name).
    public static func ourName(forHF name: String) -> String? {
        guard let (module, parameter) = split(strippingPrefix(name)) else { return nil }
        let modern = parameter == "gamma" && module.hasSuffix("LayerNorm") ? "weight"
            : parameter == "beta" && module.hasSuffix("LayerNorm") ? "bias" : parameter
        guard parameterNames.contains(modern), let ours = ourModule(forHF: module) else { return nil }
        return ours + "." + modern
    }

    /// The Hugging Face (`BertModel`, unprefixed, modern) name for one of ours, or nil when the
    /// name is not an encoder parameter.
    public static func huggingFaceName(forOurs name: String) -> String? {
        guard let (module, parameter) = split(name), parameterNames.contains(parameter),
              let theirs = huggingFaceModule(forOurs: module) else { return nil }
        return theirs + "." + parameter
    }

    /// Our module path for a Hugging Face one (`encoder.layer.2.intermediate.dense` →
    /// `layers.2.feedForward.up`); a `bert.` prefix is accepted.
    public static func ourModule(forHF path: String) -> String? {
        let path = strippingPrefix(path)
        if let match = embeddingModules.first(where: { $0.huggingFace == path }) { return match.ours }
        guard let (index, rest) = block(path, prefix: "encoder.layer."),
              let match = blockModules.first(where: { $0.huggingFace == rest }) else { return nil }
        return "layers.\(index).\(match.ours)"
    }

    /// The Hugging Face module path for one of ours (`layers.0.attention.query` →
    /// `encoder.layer.0.attention.self.query`).
    public static func huggingFaceModule(forOurs path: String) -> String? {
        if let match = embeddingModules.first(where: { $0.ours == path }) { return match.huggingFace }
        guard let (index, rest) = block(path, prefix: "layers."),
              let match = blockModules.first(where: { $0.ours == rest }) else { return nil }
        return "encoder.layer.\(index).\(match.huggingFace)"
    }

    /// Renames a checkpoint to our names: the mapped entries, and the names (as given) of those
    /// that map to nothing. Ignored buffers are dropped; when two entries map to the same name
    /// (`x` and `bert.x`), the second is reported as unmapped.
    public static func ourStateDict(fromHF tensors: [String: Tensor]) -> (mapped: [String: Tensor], unmapped: [String]) {
        var mapped: [String: Tensor] = [:]
        var unmapped: [String] = []
        for name in tensors.keys.sorted() where !isIgnoredHuggingFaceName(name) {
            if let ours = ourName(forHF: name), mapped[ours] == nil {
                mapped[ours] = tensors[name]
            } else {
                unmapped.append(name)
            }
        }
        return (mapped, unmapped)
    }

    /// Renames our parameters to a `BertModel` checkpoint's names (for saving in Hugging Face
    /// layout); names outside the encoder are dropped.
    public static func huggingFaceStateDict(fromOurs tensors: [String: Tensor]) -> [String: Tensor] {
        var renamed: [String: Tensor] = [:]
        for (name, tensor) in tensors {
            if let theirs = huggingFaceName(forOurs: name) { renamed[theirs] = tensor }
        }
        return renamed
    }

    /// Our ``SequenceClassifier`` name for a `BertForSequenceClassification` one:
    /// `bert.X` → `encoder.` + our name for X, `classifier.{weight,bias}` unchanged; nil otherwise.
    ///
    /// ```swift
    /// BertNameMapping.sequenceClassifierName(forHF: "bert.pooler.dense.weight")  // "encoder.pooler.weight"
    /// ```
    public static func sequenceClassifierName(forHF name: String) -> String? {
        if let (module, parameter) = split(name), module == "classifier" {
            return parameterNames.contains(parameter) ? name : nil
        }
        guard name.hasPrefix(taskPrefix), let inner = ourName(forHF: name) else { return nil }
        return "encoder." + inner
    }

    /// The `BertForSequenceClassification` name for a ``SequenceClassifier`` parameter.
    public static func huggingFaceSequenceClassifierName(forOurs name: String) -> String? {
        if let (module, parameter) = split(name), module == "classifier" {
            return parameterNames.contains(parameter) ? name : nil
        }
        let prefix = "encoder."
        guard name.hasPrefix(prefix), let inner = huggingFaceName(forOurs: String(name.dropFirst(prefix.count))) else {
            return nil
        }
        return taskPrefix + inner
    }

    private static func strippingPrefix(_ name: String) -> String {
        name.hasPrefix(taskPrefix) ? String(name.dropFirst(taskPrefix.count)) : name
    }

    /// `a.b.c` → (`a.b`, `c`).
    private static func split(_ name: String) -> (String, String)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return (String(name[..<dot]), String(name[name.index(after: dot)...]))
    }

    /// `prefix` + `N.` + rest → (N, rest), N a plain non-negative decimal.
    private static func block(_ path: String, prefix: String) -> (Int, String)? {
        guard path.hasPrefix(prefix) else { return nil }
        let tail = path.dropFirst(prefix.count)
        guard let dot = tail.firstIndex(of: "."), let index = Int(tail[..<dot]), index >= 0,
              String(index) == tail[..<dot] else { return nil }
        return (index, String(tail[tail.index(after: dot)...]))
    }
}
