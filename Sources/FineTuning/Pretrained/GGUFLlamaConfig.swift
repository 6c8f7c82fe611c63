import TensorKit

extension GPTConfig {
    /// The `general.architecture` values ``init(gguf:)`` accepts.
    public static let supportedGGUFArchitectures = ["llama"]

    /// The configuration of the llama-architecture model in a GGUF file; see
    /// ``init(gguf:tensorInfos:)``.
    public init(gguf file: GGUFFile) throws(GGUFModelError) {
        try self.init(gguf: file.metadata, tensorInfos: file.tensorInfos)
    }

    /// The configuration of a llama-architecture model from GGUF metadata, checked against the
    /// file's tensors.
    ///
    /// Reads `llama.block_count`, `.embedding_length`, `.attention.head_count`,
    /// `.attention.head_count_kv` (default: `head_count`), `.feed_forward_length`,
    /// `.context_length` (``maxPositions``), `.rope.freq_base` (default 10 000),
    /// `.attention.layer_norm_rms_epsilon` and, when present, `.rope.dimension_count` (must be the
    /// head size) and `.vocab_size`. The vocabulary size is the row count of `token_embd.weight`
    /// (and must equal the number of `tokenizer.ggml.tokens`); the head is tied when the file has
    /// no `output.weight`. The result is a LLaMA ``GPT``: rotary positions, RMSNorm, SwiGLU, no
    /// biases.
    ///
    /// Everything is checked before any model is allocated: sizes positive, heads dividing the
    /// width and key/value heads dividing heads, an even head size, each size equal to the shape
    /// of a tensor that carries it, and finally every tensor of the file present, with its
    /// expected shape, a type TensorKit decodes, and none left over.
    ///
    /// - Throws: ``GGUFModelError`` naming the key or tensor.
    public init(gguf metadata: GGUFMetadata, tensorInfos: [GGUFTensorInfo]) throws(GGUFModelError) {
        let reader = LlamaMetadataReader(metadata: metadata)
        let architecture = try reader.string("general.architecture")
        guard Self.supportedGGUFArchitectures.contains(architecture) else {
            throw .unsupportedArchitecture(file: metadata.file, architecture: architecture,
                                           supported: Self.supportedGGUFArchitectures)
        }
        let p = architecture + "."
        let layers = try reader.positiveInt(p + "block_count")
        let dim = try reader.positiveInt(p + "embedding_length")
        let heads = try reader.positiveInt(p + "attention.head_count")
        let kvHeads = try reader.positiveInt(p + "attention.head_count_kv", default: heads)
        let hidden = try reader.positiveInt(p + "feed_forward_length")
        let contextLength = try reader.positiveInt(p + "context_length")
        let ropeBase = try reader.positiveDouble(p + "rope.freq_base", default: 10_000)
        let eps = try reader.positiveDouble(p + "attention.layer_norm_rms_epsilon", default: nil)

        guard dim % heads == 0 else {
            throw reader.invalid(p + "attention.head_count", heads, "does not divide \(p)embedding_length \(dim)")
        }
        guard heads % kvHeads == 0 else {
            throw reader.invalid(p + "attention.head_count_kv", kvHeads, "does not divide \(p)attention.head_count \(heads)")
        }
        let headSize = dim / heads
        guard headSize % 2 == 0 else {
            throw reader.invalid(p + "attention.head_count", heads, "gives an odd head size \(headSize); rotary positions need an even one")
        }
        // Each size against a tensor that carries it, so the model built below is no larger
        // than the tensors in the file.
        let shapes = Dictionary(tensorInfos.map { ($0.name, $0.shape) }, uniquingKeysWith: { first, _ in first })
        let blocks = Set(tensorInfos.compactMap { GGUFNameMapping.blockIndex(ofGGUF: $0.name) })
        let blockCount = (blocks.max() ?? -1) + 1
        guard layers <= blocks.count, layers == blockCount else {
            throw reader.invalid(p + "block_count", layers, "the file has tensors for \(blocks.count) blocks, numbered up to \(blockCount - 1)")
        }
        guard let embedding = shapes["token_embd.weight"] else {
            throw .weightsMismatch(file: metadata.file, missing: ["token_embd.weight"], unexpected: [], mismatched: [])
        }
        guard embedding.count == 2, embedding[1] == dim, embedding[0] > 0 else {
            throw .metadataContradictsTensor(file: metadata.file, key: p + "embedding_length", value: dim,
                                             tensor: "token_embd.weight", shape: embedding)
        }
        let vocabularySize = embedding[0]
        let vocabularyCounts = [("tokenizer.ggml.tokens", metadata["tokenizer.ggml.tokens"].map { $0.array?.count ?? -1 }),
                                (p + "vocab_size", metadata[p + "vocab_size"].map { $0.int ?? -1 })]
        for case let (key, count?) in vocabularyCounts {
            guard count == vocabularySize else {
                throw .metadataContradictsTensor(file: metadata.file, key: key, value: count,
                                                 tensor: "token_embd.weight", shape: embedding)
            }
        }
        let carriers: [(key: String, value: Int, tensor: String, rows: Int)] = [
            (p + "attention.head_count_kv", kvHeads, "blk.0.attn_k.weight", kvHeads * headSize),
            (p + "feed_forward_length", hidden, "blk.0.ffn_gate.weight", hidden),
        ]
        for carrier in carriers {
            if let shape = shapes[carrier.tensor], shape.first != carrier.rows {
                throw .metadataContradictsTensor(file: metadata.file, key: carrier.key, value: carrier.value,
                                                 tensor: carrier.tensor, shape: shape)
            }
        }
        if metadata[p + "rope.dimension_count"] != nil {
            let ropeDimension = try reader.positiveInt(p + "rope.dimension_count")
            guard ropeDimension == headSize else {
                throw reader.invalid(p + "rope.dimension_count", ropeDimension,
                                     "partial rotary embeddings are not supported; it must be the head size \(headSize)")
            }
        }
        if metadata[p + "rope.scaling.type"] != nil {
            let type = try reader.string(p + "rope.scaling.type")
            guard type == "none" else {
                throw .unsupportedMetadata(file: metadata.file, key: p + "rope.scaling.type", value: type, supported: ["none"])
            }
        }

        self.init(vocabularySize: vocabularySize, maxPositions: contextLength, dim: dim, layers: layers,
                  heads: heads, kvHeads: kvHeads, hidden: hidden)
        positions = .rotary(base: ropeBase)
        norm = .rmsNorm
        normEps = eps
        feedForward = .swiGLU
        bias = false
        tiedHead = shapes["output.weight"] == nil
        headBias = false
        try checkTensors(tensorInfos, file: metadata.file)
    }

    /// The GGUF tensors a llama model of this configuration has, by name, with shapes `[out, in]`.
    func ggufTensorShapes() -> [(name: String, shape: [Int])] {
        let kvRows = (kvHeads ?? heads) * (dim / heads), ffn = hidden ?? 4 * dim
        var result: [(String, [Int])] = [("token_embd.weight", [vocabularySize, dim])]
        for i in 0..<layers {
            result += [("blk.\(i).attn_norm.weight", [dim]), ("blk.\(i).attn_q.weight", [dim, dim]),
                       ("blk.\(i).attn_k.weight", [kvRows, dim]), ("blk.\(i).attn_v.weight", [kvRows, dim]),
                       ("blk.\(i).attn_output.weight", [dim, dim]), ("blk.\(i).ffn_norm.weight", [dim]),
                       ("blk.\(i).ffn_gate.weight", [ffn, dim]), ("blk.\(i).ffn_up.weight", [ffn, dim]),
                       ("blk.\(i).ffn_down.weight", [dim, ffn])]
        }
        result.append(("output_norm.weight", [dim]))
        if !tiedHead { result.append(("output.weight", [vocabularySize, dim])) }
        return result
    }

    /// Every expected tensor present with its shape and a decodable type, and no other.
    private func checkTensors(_ infos: [GGUFTensorInfo], file: String) throws(GGUFModelError) {
        let expected = ggufTensorShapes()
        let byName = Dictionary(infos.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let expectedNames = Set(expected.map(\.name))
        var missing: [String] = [], mismatched: [StateDictError.Mismatch] = []
        for (name, shape) in expected {
            guard let info = byName[name] else { missing.append(name); continue }
            if info.shape != shape { mismatched.append(.init(name: name, expected: shape, found: info.shape)) }
        }
        let unexpected = infos.map(\.name).filter { !expectedNames.contains($0) }
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            throw .weightsMismatch(file: file, missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
        if let info = infos.first(where: { !$0.type.isDequantizable }) {
            throw .unreadable(.unsupportedTensorType(file: file, tensor: info.name, type: info.type.name))
        }
    }
}

/// Metadata lookups that wrap the reader's errors and check values are positive.
private struct LlamaMetadataReader {
    let metadata: GGUFMetadata

    func string(_ key: String) throws(GGUFModelError) -> String {
        do { return try metadata.string(key) } catch { throw .unreadable(error) }
    }

    func positiveInt(_ key: String, default fallback: Int? = nil) throws(GGUFModelError) -> Int {
        if metadata[key] == nil, let fallback { return fallback }
        let value: Int
        do { value = try metadata.int(key) } catch { throw .unreadable(error) }
        guard value > 0 else { throw invalid(key, value, "must be positive") }
        return value
    }

    func positiveDouble(_ key: String, default fallback: Double?) throws(GGUFModelError) -> Double {
        if metadata[key] == nil, let fallback { return fallback }
        let value: Double
        do { value = try metadata.double(key) } catch { throw .unreadable(error) }
        guard value.isFinite, value > 0 else {
            throw .invalidMetadata(file: metadata.file, key: key, value: "\(value)", reason: "must be a positive finite number")
        }
        return value
    }

    func invalid(_ key: String, _ value: Int, _ reason: String) -> GGUFModelError {
        .invalidMetadata(file: metadata.file, key: key, value: "\(value)", reason: reason)
    }
}
