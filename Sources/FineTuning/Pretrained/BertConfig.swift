import Foundation
import TensorKit

/// The fields of a Hugging Face BERT `config.json` that shape the model, under their JSON names.
///
/// Optional keys take `transformers.BertConfig`'s defaults. ``encoderConfig(pooler:)`` turns it into an
/// ``EncoderConfig``; `padTokenID` has no counterpart there (padding is carried by the attention
/// mask) and is kept for callers that need it.
///
/// ```swift
/// let bert = try BertConfig(contentsOf: folder.appendingPathComponent("config.json"))
/// let encoder = Encoder(bert.encoderConfig())
/// ```
public struct BertConfig: Sendable, Equatable {
    /// `model_type`; always `"bert"` once parsed.
    public var modelType: String
    /// `vocab_size`.
    public var vocabularySize: Int
    /// `hidden_size`.
    public var hiddenSize: Int
    /// `num_hidden_layers`.
    public var layers: Int
    /// `num_attention_heads`.
    public var heads: Int
    /// `intermediate_size`.
    public var intermediateSize: Int
    /// `hidden_act`, as written (`gelu`, `gelu_new`, `relu`, ...).
    public var hiddenActivation: String = "gelu"
    /// `max_position_embeddings`.
    public var maxPositions: Int = 512
    /// `type_vocab_size`.
    public var typeVocabularySize: Int = 2
    /// `layer_norm_eps`.
    public var layerNormEps: Double = 1e-12
    /// `hidden_dropout_prob`.
    public var hiddenDropout: Double = 0.1
    /// `attention_probs_dropout_prob`: dropout on the attention probabilities while training.
    public var attentionDropout: Double = 0.1
    /// `pad_token_id`.
    public var padTokenID: Int = 0

    /// The `hidden_act` values and the activation each one means.
    public static let activations: [String: Activation] = [
        "gelu": .gelu, "gelu_new": .geluTanh, "gelu_pytorch_tanh": .geluTanh, "gelu_fast": .geluTanh,
        "relu": .relu, "silu": .silu, "swish": .silu, "tanh": .tanh,
    ]

    /// Parses `config.json`.
    ///
    /// - Throws: ``PretrainedError`` naming the key that is missing, mistyped, out of range or
    ///   unsupported (`model_type` other than `bert`, unknown `hidden_act`, non-absolute
    ///   `position_embedding_type`).
    public init(contentsOf url: URL) throws(PretrainedError) {
        let path = url.path
        guard FileManager.default.fileExists(atPath: path) else { throw .missingFile(path: path) }
        let json = try ConfigJSON(contentsOf: url)
        modelType = try json.string("model_type")
        guard modelType == "bert" else {
            throw .unsupportedConfigValue(path: path, key: "model_type", value: modelType, supported: ["bert"])
        }
        vocabularySize = try json.positiveInt("vocab_size")
        hiddenSize = try json.positiveInt("hidden_size")
        layers = try json.positiveInt("num_hidden_layers")
        heads = try json.positiveInt("num_attention_heads")
        intermediateSize = try json.positiveInt("intermediate_size")
        guard hiddenSize % heads == 0 else {
            throw .invalidConfigValue(path: path, key: "num_attention_heads",
                                      reason: "(\(heads)) must divide hidden_size (\(hiddenSize))")
        }
        hiddenActivation = try json.string("hidden_act", default: hiddenActivation)
        guard Self.activations[hiddenActivation] != nil else {
            throw .unsupportedConfigValue(path: path, key: "hidden_act", value: hiddenActivation,
                                          supported: Self.activations.keys.sorted())
        }
        let positions = try json.string("position_embedding_type", default: "absolute")
        guard positions == "absolute" else {
            throw .unsupportedConfigValue(path: path, key: "position_embedding_type", value: positions,
                                          supported: ["absolute"])
        }
        maxPositions = try json.positiveInt("max_position_embeddings", default: maxPositions)
        typeVocabularySize = try json.int("type_vocab_size", default: typeVocabularySize, minimum: 0)
        layerNormEps = try json.double("layer_norm_eps", default: layerNormEps, range: 0...1)
        hiddenDropout = try json.double("hidden_dropout_prob", default: hiddenDropout, range: 0...1)
        attentionDropout = try json.double("attention_probs_dropout_prob", default: attentionDropout, range: 0...1)
        padTokenID = try json.int("pad_token_id", default: padTokenID, minimum: 0)
    }

    /// The ``EncoderConfig`` of this checkpoint (float32 parameters; `pooler` as given, since
    /// `config.json` does not say whether the weights include one).
    public func encoderConfig(pooler: Bool = true) -> EncoderConfig {
        var config = EncoderConfig(vocabularySize: vocabularySize, dim: hiddenSize, layers: layers, heads: heads,
                                   hidden: intermediateSize)
        config.maxPositions = maxPositions
        config.typeVocabularySize = typeVocabularySize
        config.activation = Self.activations[hiddenActivation]!
        config.normEps = layerNormEps
        config.dropout = hiddenDropout
        config.attentionDropout = attentionDropout
        config.pooler = pooler
        return config
    }
}

extension EncoderConfig {
    /// The configuration described by a Hugging Face BERT `config.json` (with a pooler).
    ///
    /// ```swift
    /// let config = try EncoderConfig(huggingFace: folder.appendingPathComponent("config.json"))
    /// ```
    /// - Throws: ``PretrainedError`` naming the offending key (see ``BertConfig/init(contentsOf:)``).
    public init(huggingFace configURL: URL) throws(PretrainedError) {
        self = try BertConfig(contentsOf: configURL).encoderConfig()
    }
}
