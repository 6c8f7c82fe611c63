import Foundation
import TensorKit

extension GPT {
    /// A llama-architecture model loaded from a GGUF file (llama.cpp's format), such as
    /// SmolLM2-135M-Instruct (`make llm`), with float32 weights: quantized tensors are
    /// dequantized as they load. The model is in evaluation mode.
    ///
    /// The configuration comes from the metadata (``GPTConfig/init(gguf:tensorInfos:)``), which
    /// is checked against every tensor's name, shape and type before the model is allocated;
    /// then each parameter is filled from its tensor (``loadGGUFWeights(from:)``).
    ///
    /// ```swift
    /// let model = try GPT.pretrained(gguf: GGUFFile(contentsOf: URL(fileURLWithPath:
    ///     "data/smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")))
    /// let next = model.generate([19556], maxNewTokens: 16, sampling: .greedy, stopTokens: [2])
    /// ```
    ///
    /// - Parameters:
    ///   - file: an opened GGUF file with `general.architecture = llama`.
    ///   - dtype: the parameter dtype.
    /// - Throws: ``GGUFModelError`` naming the key or tensor at fault.
    public static func pretrained(gguf file: GGUFFile, dtype: DType = .float32) throws(GGUFModelError) -> GPT {
        var config = try GPTConfig(gguf: file)
        config.dtype = dtype
        // Every parameter is overwritten below, so random initial values would be wasted.
        let model = withoutRandomInitialization { GPT(config) }
        try model.loadGGUFWeights(from: file)
        model.eval()
        return model
    }

    /// Opens the GGUF file at `url` and loads its model; see ``pretrained(gguf:dtype:)``.
    public static func pretrained(ggufAt url: URL, dtype: DType = .float32) throws(GGUFModelError) -> GPT {
        let file: GGUFFile
        do { file = try GGUFFile(contentsOf: url) } catch { throw .unreadable(error) }
        return try pretrained(gguf: file, dtype: dtype)
    }

    /// Copies the tensors of a llama GGUF file into this model's parameters, renamed with
    /// ``GGUFNameMapping``, dequantized, converted to each parameter's dtype, and with query and
    /// key rows put back into Hugging Face order (``GGUFQueryKeyPermutation``).
    ///
    /// Strict: every parameter must have its tensor with its shape, and every tensor of the file
    /// must fill a parameter; otherwise ``GGUFModelError/weightsMismatch(file:missing:unexpected:mismatched:)``
    /// lists the GGUF names (and a type TensorKit cannot decode throws), before anything is copied. Tensors are decoded one at a time, so
    /// loading needs little memory beyond the model itself.
    public func loadGGUFWeights(from file: GGUFFile) throws(GGUFModelError) {
        try loadGGUFWeights(from: file, leavingUnfilled: [])
    }

    /// ``loadGGUFWeights(from:)``, checking every tensor but decoding none into the parameters
    /// named in `unfilled` (ours), which the caller replaces: a quantized model keeps those
    /// projections as blocks, so their float32 copies are never written (nor, on fresh
    /// mappings, ever given memory).
    func loadGGUFWeights(from file: GGUFFile, leavingUnfilled unfilled: Set<String>) throws(GGUFModelError) {
        let path = file.url.path
        let own = namedParameters()
        var targets: [(gguf: String, ours: String, parameter: Tensor)] = []
        var missing: [String] = [], mismatched: [StateDictError.Mismatch] = []
        for (name, parameter) in own {
            guard let theirs = GGUFNameMapping.ggufName(forOurs: name), let info = file.info(named: theirs) else {
                missing.append(GGUFNameMapping.ggufName(forOurs: name) ?? name)
                continue
            }
            guard info.shape == parameter.shape else {
                mismatched.append(.init(name: theirs, expected: parameter.shape, found: info.shape))
                continue
            }
            guard info.type.isDequantizable else {
                throw .unreadable(.unsupportedTensorType(file: path, tensor: theirs, type: info.type.name))
            }
            targets.append((theirs, name, parameter))
        }
        let used = Set(targets.map(\.gguf) + mismatched.map(\.name))
        let unexpected = file.names.filter { !used.contains($0) }
        guard missing.isEmpty, unexpected.isEmpty, mismatched.isEmpty else {
            throw .weightsMismatch(file: path, missing: missing, unexpected: unexpected, mismatched: mismatched)
        }
        for (name, ours, parameter) in targets where !unfilled.contains(ours) {
            let source: QuantizedTensor
            do { source = try file.quantizedTensor(named: name) } catch { throw .unreadable(error) }
            let permutedHeads = name.hasSuffix(".attn_q.weight") ? config.heads
                : name.hasSuffix(".attn_k.weight") ? config.kvHeads ?? config.heads : nil
            Self.fill(parameter, from: source, queryKeyHeads: permutedHeads)
        }
    }

    /// Decodes `source` into `parameter`; with `queryKeyHeads`, rows go back into Hugging Face
    /// order. Float32 parameters are decoded in place, row by row, with no temporary tensor.
    private static func fill(_ parameter: Tensor, from source: QuantizedTensor, queryKeyHeads heads: Int?) {
        guard parameter.dtype == .float32, parameter.isContiguous else {
            var values = source.dequantized()
            if let heads { values = GGUFQueryKeyPermutation.huggingFaceOrder(values, heads: heads) }
            let converted = values.cast(to: parameter.dtype)
            withGradientsDisabled { parameter.assign(converted) }
            return
        }
        parameter.withUnsafeMutableBufferPointer(as: Float.self) { buffer in
            guard let base = buffer.baseAddress else { return }
            guard let heads else { return source.dequantizeRows(0..<source.rowCount, into: base) }
            let rowLength = source.rowLength
            for (row, ggufRow) in GGUFQueryKeyPermutation.ggufRows(rows: source.rowCount, heads: heads).enumerated() {
                source.dequantizeRows(ggufRow..<(ggufRow + 1), into: base + row * rowLength)
            }
        }
    }
}
