import Foundation
import TensorKit

extension GPT {
    /// The tensor types ``writeGGUF(to:type:metadataFrom:)`` writes.
    public static let ggufExportTypes: [GGMLType] = [.f32, .f16, .bf16, .q8_0]

    /// Writes this model as a llama-architecture GGUF file that llama.cpp, `transformers`'
    /// GGUF loader and ``PretrainedLLM/init(contentsOf:quantized:)`` read: the inverse of
    /// ``pretrained(gguf:dtype:)``.
    ///
    /// Everything in `source` (the metadata of the file the model came from: tokenizer, chat
    /// template, `general.*`) is carried over in its order; the `llama.*` hyperparameters are
    /// written from ``config`` and `general.file_type` from `type`. Tensors follow llama.cpp's
    /// converter: GGUF names (``GGUFNameMapping``), query and key rows back in llama.cpp's order
    /// (``GGUFQueryKeyPermutation``), norms in F32 whatever `type` is, and no `output.weight`
    /// when the head is tied. A matrix whose rows do not split into `type`'s blocks (Q8_0 needs
    /// rows of a multiple of 32) is written in F16 instead and listed in the summary's
    /// ``GGUFExportSummary/fallbacks``. Quantized projections (``QuantizedLinear``) and a
    /// quantized embedding (``QuantizedEmbedding``) are written from their dequantized values.
    ///
    /// Merge adapters first (``Module/mergeAndUnload()``): an active adapter that is not merged
    /// would be missing from the file, so it is refused. The file is written atomically.
    ///
    /// ```swift
    /// let source = try GGUFFile(contentsOf: url)
    /// let model = try GPT.pretrained(gguf: source)
    /// try model.loadHuggingFaceAdapter(from: adapterFolder)
    /// model.mergeAndUnload()
    /// let summary = try model.writeGGUF(to: outputURL, type: .q8_0, metadataFrom: source.metadata)
    /// ```
    ///
    /// - Parameters:
    ///   - url: the file to write.
    ///   - type: F32, F16, BF16 or Q8_0 (``ggufExportTypes``).
    ///   - source: the metadata to carry over.
    /// - Returns: each tensor's name and type, and the tensors written in another type than asked.
    /// - Throws: ``GGUFExportError`` for a type, model or metadata the file cannot hold, and
    ///   adapters not merged; `AtomicFileError` when the file system fails.
    @discardableResult
    public func writeGGUF(to url: URL, type: GGMLType = .f16, metadataFrom source: GGUFMetadata) throws -> GGUFExportSummary {
        guard Self.ggufExportTypes.contains(type) else { throw GGUFExportError.unsupportedType(type.name) }
        try checkLlamaExport()
        let unmerged = adaptedLayers().filter { !$0.layer.liveAdapters().isEmpty }.map(\.path)
        guard unmerged.isEmpty else { throw GGUFExportError.unmergedAdapters(layers: unmerged) }

        var writer = GGUFWriter()
        writer.metadata = try exportMetadata(from: source, type: type)
        var summary = GGUFExportSummary()
        let parameters = Dictionary(baseNamedParameters().map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (name, _) in config.ggufTensorShapes() {
            guard let ours = GGUFNameMapping.ourName(forGGUF: name), let weight = exportedTensor(ours, parameters: parameters) else {
                throw GGUFExportError.unsupportedModel("no tensor of the model fills \(name)")
            }
            let heads = name.hasSuffix(".attn_q.weight") ? config.heads
                : name.hasSuffix(".attn_k.weight") ? config.kvHeads ?? config.heads : nil
            let values = heads.map { GGUFQueryKeyPermutation.ggufOrder(weight, heads: $0) } ?? weight
            var written = weight.shape.count == 1 ? GGMLType.f32 : type
            let rowLength = weight.shape.last ?? 1
            if rowLength % written.blockSize != 0 {
                summary.fallbacks.append(.init(tensor: name, type: .f16,
                                               reason: "rows of \(rowLength) values do not split into \(type.name) blocks of \(type.blockSize)"))
                written = .f16
            }
            try writer.add(name, values, as: written)
            summary.tensors.append(.init(name: name, type: written))
        }
        try writer.write(to: url)
        return summary
    }

    /// Fuses a PEFT adapter into a GGUF model: loads the model of `base` in float32, applies the
    /// adapter folder (``loadHuggingFaceAdapter(from:as:)``), merges it and writes the result to
    /// `output` (``writeGGUF(to:type:metadataFrom:)``) with `base`'s metadata. What the `fuse`
    /// program does.
    ///
    /// - Throws: ``GGUFModelError`` for the base file, ``StrategyError`` for the adapter,
    ///   ``GGUFExportError`` and file-system errors for the output.
    @discardableResult
    public static func fuse(adapter: URL, into base: URL, writingTo output: URL, type: GGMLType = .f16) throws -> GGUFExportSummary {
        guard ggufExportTypes.contains(type) else { throw GGUFExportError.unsupportedType(type.name) }
        let file: GGUFFile
        do { file = try GGUFFile(contentsOf: base) } catch { throw GGUFModelError.unreadable(error) }
        let model = try GPT.pretrained(gguf: file)
        try model.loadHuggingFaceAdapter(from: adapter)
        model.mergeAndUnload()
        return try model.writeGGUF(to: output, type: type, metadataFrom: file.metadata)
    }

    /// The model must be what the llama architecture describes.
    private func checkLlamaExport() throws(GGUFExportError) {
        let c = config
        var problems: [String] = []
        if case .rotary = c.positions {} else { problems.append("positions are \(c.positions), not rotary") }
        if c.norm != .rmsNorm { problems.append("norms are \(c.norm), not RMSNorm") }
        if c.feedForward != .swiGLU { problems.append("the feed-forward network is \(c.feedForward), not SwiGLU") }
        if c.bias || c.headBias { problems.append("the model has biases") }
        if c.fusedQKV { problems.append("query, key and value are fused") }
        if c.dim % c.heads != 0 { problems.append("\(c.heads) heads do not divide the width \(c.dim)") }
        guard problems.isEmpty else { throw .unsupportedModel(problems.joined(separator: "; ")) }
    }

    /// The values of our parameter `name`: a parameter, or the dequantized weight of a quantized
    /// projection or embedding table (which hold blocks, not a parameter).
    private func exportedTensor(_ name: String, parameters: [String: Tensor]) -> Tensor? {
        if let tensor = parameters[name] { return tensor }
        let (path, leaf) = Module.splitParameterPath(name)
        guard leaf == "weight" else { return nil }
        switch module(at: path) {
        case let host as any AdapterHost: return host.denseWeight
        case let table as QuantizedEmbedding: return table.denseWeight
        default: return nil
        }
    }

    /// `source` with the hyperparameters of ``config`` and the file type of `type`.
    private func exportMetadata(from source: GGUFMetadata, type: GGMLType) throws(GGUFExportError) -> GGUFMetadata {
        let c = config
        if let tokens = source["tokenizer.ggml.tokens"]?.array?.count, tokens != c.vocabularySize {
            throw .metadataMismatch(key: "tokenizer.ggml.tokens",
                                    reason: "\(tokens) tokens for a model of \(c.vocabularySize) embedding rows")
        }
        var metadata = source
        var base = 10_000.0
        if case .rotary(let b) = c.positions { base = b }
        metadata["general.architecture"] = .string("llama")
        let hyperparameters: [(String, GGUFValue)] = [
            ("llama.block_count", .uint32(UInt32(c.layers))),
            ("llama.context_length", .uint32(UInt32(c.maxPositions))),
            ("llama.embedding_length", .uint32(UInt32(c.dim))),
            ("llama.feed_forward_length", .uint32(UInt32(c.hidden ?? 4 * c.dim))),
            ("llama.attention.head_count", .uint32(UInt32(c.heads))),
            ("llama.attention.head_count_kv", .uint32(UInt32(c.kvHeads ?? c.heads))),
            ("llama.rope.freq_base", .float32(Float(base))),
            ("llama.attention.layer_norm_rms_epsilon", .float32(Float(c.normEps))),
            ("llama.vocab_size", .uint32(UInt32(c.vocabularySize))),
            ("llama.rope.dimension_count", .uint32(UInt32(c.dim / c.heads))),
            ("general.file_type", .uint32(Self.llamaFileType(type))),
        ]
        for (key, value) in hyperparameters { metadata[key] = value }
        return metadata
    }

    /// llama.cpp's `llama_ftype` of a file whose matrices are mostly `type`.
    private static func llamaFileType(_ type: GGMLType) -> UInt32 {
        switch type {
        case .f16: return 1
        case .q8_0: return 7
        case .bf16: return 32
        default: return 0
        }
    }
}

/// What ``GPT/writeGGUF(to:type:metadataFrom:)`` wrote.
public struct GGUFExportSummary: Equatable, Sendable {
    /// A tensor and the type it was written in.
    public struct Entry: Equatable, Sendable {
        /// The GGUF tensor name.
        public var name: String
        /// Its type in the file.
        public var type: GGMLType
    }

    /// A matrix written in another type than the one asked for, and why.
    public struct Fallback: Equatable, Sendable {
        /// The GGUF tensor name.
        public var tensor: String
        /// The type it was written in instead.
        public var type: GGMLType
        /// Why the asked type could not hold it.
        public var reason: String
    }

    /// Every tensor, in file order.
    public var tensors: [Entry] = []
    /// The matrices not written in the asked type (norms, always F32 as in llama.cpp, are not listed).
    public var fallbacks: [Fallback] = []
}

/// Why a model could not be written as a GGUF file.
public enum GGUFExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The asked tensor type is not one the exporter writes (``GPT/ggufExportTypes``).
    case unsupportedType(String)
    /// The model is not what the llama architecture describes (learned positions, LayerNorm,
    /// biases...).
    case unsupportedModel(String)
    /// These layers run adapters that are not merged into their weights; the file would lack them.
    case unmergedAdapters(layers: [String])
    /// The metadata to carry over contradicts the model.
    case metadataMismatch(key: String, reason: String)

    public var description: String {
        switch self {
        case let .unsupportedType(type):
            return "GGUF export writes \(GPT.ggufExportTypes.map(\.name).joined(separator: ", ")), not \(type)"
        case let .unsupportedModel(reason):
            return "the model cannot be written as a llama GGUF file: \(reason)"
        case let .unmergedAdapters(layers):
            return "adapters on \(layers.joined(separator: ", ")) are not merged; call mergeAndUnload() before writing"
        case let .metadataMismatch(key, reason):
            return "metadata key '\(key)' does not fit the model: \(reason)"
        }
    }
}
