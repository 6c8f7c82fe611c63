import Foundation
import TensorKit

/// A pretrained BERT-style encoder and its tokenizer, loaded from a Hugging Face model folder
/// (`config.json`, `model.safetensors`, `tokenizer.json` or `vocab.txt`), such as
/// sentence-transformers' all-MiniLM-L6-v2 (`make model` fetches it into `data/`).
///
/// The weights are renamed with ``BertNameMapping`` and checked strictly: every parameter of the
/// model that `config.json` describes must be present with its shape, and every weight in the
/// file must land somewhere (buffers such as `embeddings.position_ids` excepted). The pooler is
/// built when the file has one.
///
/// ```swift
/// let model = try PretrainedEncoder(directory: URL(fileURLWithPath: "data/all-MiniLM-L6-v2"))
/// let batch = model.tokenizer.encodeBatch(["Hello, world!"], maxLength: 128)
/// let hidden = model.encoder(batch.idsTensor(), mask: batch.attentionMaskTensor())  // [1, 6, 384]
/// ```
public struct PretrainedEncoder {
    /// The encoder, with the checkpoint's weights, in evaluation mode (no dropout).
    public let encoder: Encoder
    /// The folder's tokenizer.
    public let tokenizer: any Tokenizer
    /// The parsed `config.json`.
    public let config: BertConfig
    /// The folder it was loaded from.
    public let directory: URL

    /// The weights file name looked for in the folder.
    public static let weightsFileName = "model.safetensors"

    /// Loads config, weights and tokenizer from `directory`.
    ///
    /// - Parameters:
    ///   - directory: a Hugging Face model folder (`config.json`, `model.safetensors`, tokenizer).
    ///   - dtype: the parameter dtype (weights are converted on load).
    /// - Throws: ``PretrainedError``: a missing file, a bad `config.json` key, weights that do not
    ///   fit the config (listing the names), or an unreadable tokenizer.
    public init(directory: URL, dtype: DType = .float32) throws(PretrainedError) {
        guard FileManager.default.fileExists(atPath: directory.path) else { throw .missingFile(path: directory.path) }
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let weightsURL = directory.appendingPathComponent(Self.weightsFileName)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else { throw .missingFile(path: weightsURL.path) }
        let tensors: [String: Tensor]
        do {
            tensors = try SafeTensorsFile(contentsOf: weightsURL, mapped: true).tensors()
        } catch {
            throw .unreadableWeights(error)
        }
        let hasPooler = tensors.keys.contains { BertNameMapping.ourName(forHF: $0) == "pooler.weight" }
        // Sizes from config.json are checked against the file before anything is allocated from them.
        try config.checkAllocation(against: tensors, pooler: hasPooler, source: weightsURL.path,
                                   configPath: directory.appendingPathComponent("config.json").path)
        var encoderConfig = config.encoderConfig(pooler: hasPooler)
        encoderConfig.dtype = dtype
        // Every parameter is loaded strictly below, so random initial values would be wasted.
        let encoder = withoutRandomInitialization { Encoder(encoderConfig) }
        try encoder.loadHuggingFaceWeights(tensors, source: weightsURL.path)
        encoder.eval()
        do {
            tokenizer = try AutoTokenizer.load(from: directory)
        } catch let error as TokenizerError {
            throw .unreadableTokenizer(error)
        } catch {
            throw .unreadableTokenizer(.unreadableFile(path: directory.path, reason: "\(error)"))
        }
        // Ids the tokenizer can emit must index the embedding tables (checked once, here, rather
        // than trapping in the lookup on some later input).
        let tokenizerFile = ["tokenizer.json", "vocab.txt"].map { directory.appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) } ?? directory.path
        try TokenizerCompatibility(vocabularySize: config.vocabularySize,
                                   typeVocabularySize: config.typeVocabularySize > 0 ? config.typeVocabularySize : nil)
            .check(tokenizer, tokenizerFile: tokenizerFile, modelFile: directory.appendingPathComponent("config.json").path)
        self.encoder = encoder
        self.config = config
        self.directory = directory
    }
}

extension Encoder {
    /// Loads a pretrained encoder and its tokenizer from a Hugging Face model folder (see
    /// ``PretrainedEncoder``); the encoder is in evaluation mode.
    ///
    /// ```swift
    /// let (encoder, tokenizer) = try Encoder.pretrained(from: URL(fileURLWithPath: "data/all-MiniLM-L6-v2"))
    /// ```
    public static func pretrained(from directory: URL) throws(PretrainedError) -> (encoder: Encoder, tokenizer: any Tokenizer) {
        let model = try PretrainedEncoder(directory: directory)
        return (model.encoder, model.tokenizer)
    }

    /// Copies a Hugging Face BERT checkpoint's tensors into this encoder, renamed with
    /// ``BertNameMapping`` (dtypes are converted).
    ///
    /// - Parameters:
    ///   - tensors: the checkpoint, under Hugging Face names (`bert.` prefix and legacy
    ///     `gamma`/`beta` accepted; buffers like `embeddings.position_ids` are skipped).
    ///   - source: the file name used in error messages.
    ///   - strict: when true, weights absent from the checkpoint or left over in it throw; when
    ///     false they are skipped and returned. Shape mismatches always throw.
    /// - Returns: the Hugging Face names of parameters left untouched (`missing`) and of
    ///   checkpoint entries not used (`unexpected`); both empty when `strict`.
    /// - Throws: ``PretrainedError/weightsMismatch(path:missing:unexpected:mismatched:)`` listing
    ///   the names, before anything is copied.
    @discardableResult
    public func loadHuggingFaceWeights(_ tensors: [String: Tensor], source: String = "checkpoint",
                                       strict: Bool = true) throws(PretrainedError) -> (missing: [String], unexpected: [String]) {
        var byOurs: [String: (huggingFace: String, tensor: Tensor)] = [:]
        var unexpected: [String] = []
        for name in tensors.keys.sorted() where !BertNameMapping.isIgnoredHuggingFaceName(name) {
            if let ours = BertNameMapping.ourName(forHF: name), byOurs[ours] == nil {
                byOurs[ours] = (name, tensors[name]!)
            } else {
                unexpected.append(name)
            }
        }
        var missing: [String] = []
        var mismatched: [StateDictError.Mismatch] = []
        var matched: [String: Tensor] = [:]
        let own = namedParameters()
        for (name, parameter) in own {
            let theirName = BertNameMapping.huggingFaceName(forOurs: name) ?? name
            guard let (_, tensor) = byOurs[name] else { missing.append(theirName); continue }
            guard tensor.shape == parameter.shape else {
                mismatched.append(.init(name: theirName, expected: parameter.shape, found: tensor.shape))
                continue
            }
            matched[name] = tensor
        }
        let ownNames = Set(own.map(\.name))
        unexpected += byOurs.filter { !ownNames.contains($0.key) }.map(\.value.huggingFace)
        unexpected.sort()
        if !mismatched.isEmpty || (strict && !(missing.isEmpty && unexpected.isEmpty)) {
            throw .weightsMismatch(path: source, missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
        do {
            try load(stateDict: matched, strict: false)
        } catch {
            preconditionFailure("loadHuggingFaceWeights: shapes were checked, yet loading failed: \(error)")
        }
        return (missing, unexpected)
    }
}
