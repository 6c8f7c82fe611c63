import TensorKit

extension BertConfig {
    /// The number of parameters of the encoder `config.json` describes, or nil when it overflows
    /// `Int` (computed without allocating anything).
    public func parameterCount(pooler: Bool) -> Int? {
        let h = hiddenSize, i = intermediateSize
        func product(_ factors: Int...) -> Int? {
            var result = 1
            for f in factors {
                let (p, overflow) = result.multipliedReportingOverflow(by: f)
                if overflow { return nil }
                result = p
            }
            return result
        }
        func sum(_ terms: Int?...) -> Int? {
            var result = 0
            for t in terms {
                guard let t else { return nil }
                let (s, overflow) = result.addingReportingOverflow(t)
                if overflow { return nil }
                result = s
            }
            return result
        }
        let embeddings = sum(product(vocabularySize, h), product(maxPositions, h), product(typeVocabularySize, h), 2 * h)
        // q, k, v, output (weights and biases), two norms, the two feed-forward projections.
        let block = sum(product(4, h, h), 4 * h, 4 * h, product(i, h), i, product(h, i), h)
        return sum(embeddings, block.flatMap { product($0, layers) }, pooler ? sum(product(h, h), h) : 0)
    }

    /// The shapes `config.json` implies for the tensors that carry each of its sizes, by our
    /// parameter name: the embedding tables (vocabulary, positions, token types, width), the last
    /// block (the layer count) and the first feed-forward projection (`intermediate_size`).
    func sizeCarryingShapes() -> [(name: String, shape: [Int])] {
        var shapes: [(String, [Int])] = [
            ("embeddings.wordEmbeddings.weight", [vocabularySize, hiddenSize]),
            ("embeddings.positionEmbeddings.weight", [maxPositions, hiddenSize]),
            ("layers.\(layers - 1).attention.query.weight", [hiddenSize, hiddenSize]),
            ("layers.0.feedForward.up.weight", [intermediateSize, hiddenSize]),
        ]
        if typeVocabularySize > 0 { shapes.append(("embeddings.tokenTypeEmbeddings.weight", [typeVocabularySize, hiddenSize])) }
        return shapes
    }

    /// Checks the sizes of `config.json` against the shapes in the weights file, before a model
    /// is allocated from them.
    ///
    /// - Parameters:
    ///   - tensors: the checkpoint under Hugging Face names (only shapes are read; a mapped file
    ///     costs nothing here).
    ///   - source: the weights file, for the error.
    /// - Throws: ``PretrainedError/weightsMismatch(path:missing:unexpected:mismatched:)`` naming
    ///   the tensors whose shapes disagree with the config, or that the config needs and the file
    ///   lacks.
    func checkSizes(against tensors: [String: Tensor], source: String) throws(PretrainedError) {
        var byOurs: [String: [Int]] = [:]
        for (name, tensor) in tensors {
            if let ours = BertNameMapping.ourName(forHF: name) { byOurs[ours] = tensor.shape }
        }
        var missing: [String] = []
        var mismatched: [StateDictError.Mismatch] = []
        for (name, shape) in sizeCarryingShapes() {
            let theirs = BertNameMapping.huggingFaceName(forOurs: name) ?? name
            guard let found = byOurs[name] else { missing.append(theirs); continue }
            if found != shape { mismatched.append(.init(name: theirs, expected: shape, found: found)) }
        }
        if !missing.isEmpty || !mismatched.isEmpty {
            throw .weightsMismatch(path: source, missing: missing, unexpected: [], mismatched: mismatched)
        }
    }
}

extension BertConfig {
    /// Throws when the model `config.json` describes would hold far more parameters than the
    /// weights file has elements (a lying config: a billion layers, a huge width), naming the
    /// tensors whose shapes disagree, so nothing is allocated from an unchecked size. Configs
    /// within reach load as before, and the strict name-by-name check reports every difference.
    func checkAllocation(against tensors: [String: Tensor], pooler: Bool, source: String,
                         configPath: String) throws(PretrainedError) {
        let fileElements = tensors.values.reduce(0) { $0 &+ $1.count }
        let count = parameterCount(pooler: pooler)
        guard let count, count <= fileElements + fileElements / 2 + 1_000_000 else {
            try checkSizes(against: tensors, source: source)
            let described = count.map { "\($0)" } ?? "more than \(Int.max)"
            throw .invalidConfig(path: configPath, reason: "describes a model of \(described) parameters, but \(source) "
                                 + "holds only \(fileElements) values")
        }
    }
}
