import TensorKit

extension GPT {
    /// Greedy continuations of many prompts at once, for evaluating a model on a test set.
    ///
    /// Every prompt is `sharedPrefix + prompts[i]`. The shared prefix (a system turn, an
    /// instruction, few-shot examples) is encoded once and its keys and values are copied into
    /// each batch. Prompts are batched only with prompts of the same length, so no row is padded:
    /// each row computes exactly what ``generate(_:maxNewTokens:sampling:stopTokens:generator:useCache:onPromptLogits:onToken:)``
    /// computes for it alone (up to float rounding of the batched matrix products). A row stops
    /// after a token in `stopTokens` (which is included in its output); a batch stops when all
    /// its rows have.
    ///
    /// Runs without gradients and in evaluation mode (the previous mode is restored).
    ///
    /// - Parameters:
    ///   - prompts: the per-prompt token ids after the shared prefix (none may be empty).
    ///   - sharedPrefix: token ids every prompt starts with.
    ///   - maxNewTokens: the most tokens generated per prompt.
    ///   - stopTokens: ids that end a row (end of sequence, end of turn).
    ///   - maxBatch: the most rows decoded together (memory grows with rows × prompt length).
    /// - Returns: the generated ids of each prompt, in the order of `prompts`.
    ///
    /// ```swift
    /// let prefix = tokenizer.encode(fewShotHeader, addSpecialTokens: false)
    /// let outputs = model.generateGreedy(questions.map { tokenizer.encode($0, addSpecialTokens: false) },
    ///                                    sharedPrefix: prefix, maxNewTokens: 24, stopTokens: [2])
    /// ```
    public func generateGreedy(_ prompts: [[Int]], sharedPrefix: [Int] = [], maxNewTokens: Int,
                               stopTokens: Set<Int> = [], maxBatch: Int = 16) -> [[Int]] {
        precondition(prompts.allSatisfy { !$0.isEmpty }, "GPT.generateGreedy: every prompt needs at least one token after the shared prefix")
        precondition(maxBatch > 0 && maxNewTokens >= 0, "GPT.generateGreedy: maxBatch \(maxBatch) and maxNewTokens \(maxNewTokens) must be positive")
        let wasTraining = isTraining
        eval()
        defer { train(wasTraining) }
        return withGradientsDisabled {
            var prefixCache: KVCache?
            if !sharedPrefix.isEmpty {
                let cache = makeCache()
                _ = self(Tensor(sharedPrefix.map { Int32($0) }, shape: [1, sharedPrefix.count]), cache: cache)
                prefixCache = cache
            }
            var outputs = [[Int]](repeating: [], count: prompts.count)
            let byLength = Dictionary(grouping: prompts.indices, by: { prompts[$0].count })
            for length in byLength.keys.sorted() {
                let indices = byLength[length] ?? []
                for start in stride(from: 0, to: indices.count, by: maxBatch) {
                    let rows = Array(indices[start..<Swift.min(start + maxBatch, indices.count)])
                    let generated = decodeGreedy(rows.map { prompts[$0] }, prefix: prefixCache,
                                                 maxNewTokens: maxNewTokens, stopTokens: stopTokens)
                    for (row, index) in rows.enumerated() { outputs[index] = generated[row] }
                }
            }
            return outputs
        }
    }

    /// Greedy decoding of equal-length prompts as one batch, continuing `prefix` when given.
    private func decodeGreedy(_ prompts: [[Int]], prefix: KVCache?, maxNewTokens: Int, stopTokens: Set<Int>) -> [[Int]] {
        let batch = prompts.count, length = prompts[0].count
        let cache = makeCache()
        if let prefix {
            for (layer, cached) in zip(cache.layers, prefix.layers) {
                guard let key = cached.key, let value = cached.value else { continue }
                _ = layer.append(key: key.expand(to: [batch] + key.shape.dropFirst()),
                                 value: value.expand(to: [batch] + value.shape.dropFirst()))
            }
        }
        var outputs = [[Int]](repeating: [], count: batch)
        var finished = [Bool](repeating: false, count: batch)
        var input = Tensor(prompts.flatMap { $0.map { Int32($0) } }, shape: [batch, length])
        while outputs[0].count < maxNewTokens && finished.contains(false) {
            if config.positions == .learned && cache.length + input.shape[1] > config.maxPositions { break }
            // The head only where the next token is read: the last position of each row.
            let hidden = hiddenStates(input, cache: cache).select(axis: 1, index: input.shape[1] - 1)
            let last = vocabularyLogits(hidden).cast(to: .float32).contiguous().scalars(as: Float.self)
            let vocabulary = config.vocabularySize
            var next = [Int32](repeating: 0, count: batch)
            for row in 0..<batch {
                let token = Self.argmax(last[(row * vocabulary)..<((row + 1) * vocabulary)])
                next[row] = Int32(token)
                outputs[row].append(token)
                if stopTokens.contains(token) { finished[row] = true }
            }
            input = Tensor(next, shape: [batch, 1])
        }
        // Rows that stopped early kept decoding with the batch; cut them after their stop token.
        return outputs.map { tokens in
            guard let stop = tokens.firstIndex(where: stopTokens.contains) else { return tokens }
            return Array(tokens[...stop])
        }
    }

    /// The index of the largest value (the first on ties, as `torch.argmax`).
    private static func argmax(_ values: ArraySlice<Float>) -> Int {
        var best = values.startIndex
        for i in values.indices where values[i] > values[best] { best = i }
        return best - values.startIndex
    }
}
