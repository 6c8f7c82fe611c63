import TensorKit

extension GPT {
    /// Greedy continuations of many prompts at once, for evaluating a model on a test set.
    ///
    /// Every prompt is `sharedPrefix + prompts[i]`. The shared prefix (a system turn, an
    /// instruction, few-shot examples) is encoded once and its keys and values are copied into
    /// each batch. Prompts of a batch are sorted by length and left-padded to the longest, the
    /// padding masked out; with rotary positions the prefix keys of a padded row are rotated by
    /// its padding, so every row sees exactly the relative positions it has alone, and each row
    /// computes what ``generate(_:maxNewTokens:sampling:stopTokens:generator:useCache:cache:onPromptLogits:onToken:)``
    /// computes for it (up to float rounding of the batched products). Learned or sinusoidal
    /// positions are absolute, so with them only equal-length prompts share a batch.
    ///
    /// A row stops after a token in `stopTokens` (which is included in its output); a batch stops
    /// when all its rows have. Runs without gradients and in evaluation mode (the previous mode
    /// is restored).
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
                _ = hiddenStates(Tensor(sharedPrefix.map { Int32($0) }, shape: [1, sharedPrefix.count]), cache: cache)
                prefixCache = cache
            }
            var outputs = [[Int]](repeating: [], count: prompts.count)
            let rotary: Bool
            if case .rotary = config.positions { rotary = true } else { rotary = false }
            // Rotary positions: batches of neighbouring lengths (little padding); otherwise equal lengths.
            let order = prompts.indices.sorted { (prompts[$0].count, $0) < (prompts[$1].count, $1) }
            var batches: [[Int]] = []
            for index in order {
                if let last = batches.last, last.count < maxBatch, rotary || prompts[last[0]].count == prompts[index].count {
                    batches[batches.count - 1].append(index)
                } else {
                    batches.append([index])
                }
            }
            for rows in batches {
                let generated = decodeGreedy(rows.map { prompts[$0] }, prefix: prefixCache,
                                             maxNewTokens: maxNewTokens, stopTokens: stopTokens)
                for (row, index) in rows.enumerated() { outputs[index] = generated[row] }
            }
            return outputs
        }
    }

    /// Greedy decoding of one batch of prompts (left-padded to the longest), continuing `prefix`.
    private func decodeGreedy(_ prompts: [[Int]], prefix: KVCache?, maxNewTokens: Int, stopTokens: Set<Int>) -> [[Int]] {
        let batch = prompts.count
        let length = prompts.map(\.count).max() ?? 0
        let padding = prompts.map { length - $0.count }
        let cache = makeCache()
        if let prefix {
            for (index, (layer, cached)) in zip(cache.layers, prefix.layers).enumerated() {
                guard let key = cached.key, let value = cached.value else { continue }
                let shape = [batch] + key.shape.dropFirst()
                var keys = key.expand(to: shape)
                if let rotary = layers[index].attention.rotary, padding.contains(where: { $0 > 0 }) {
                    keys = Tensor.concat(padding.map { rotary.rotate(key, by: $0) }, axis: 0)
                }
                _ = layer.append(key: keys, value: value.expand(to: [batch] + value.shape.dropFirst()))
            }
        }
        let prefixLength = cache.length
        // Key mask: the prefix, then each row's padding (masked) and prompt, then what it generates.
        var mask = [Bool](repeating: true, count: batch * (prefixLength + length))
        for row in 0..<batch where padding[row] > 0 {
            let start = row * (prefixLength + length) + prefixLength
            for j in start..<(start + padding[row]) { mask[j] = false }
        }
        let padded = padding.contains { $0 > 0 }
        var outputs = [[Int]](repeating: [], count: batch)
        var finished = [Bool](repeating: false, count: batch)
        var input = Tensor(zip(prompts, padding).flatMap { prompt, pad in [Int32](repeating: 0, count: pad) + prompt.map { Int32($0) } },
                           shape: [batch, length])
        var keys = prefixLength + length
        while outputs[0].count < maxNewTokens && finished.contains(false) {
            if config.positions == .learned && keys > config.maxPositions { break }
            let keyMask = padded ? Tensor(mask, shape: [batch, keys]) : nil
            // The head only where the next token is read: the last position of each row.
            let hidden = hiddenStates(input, mask: keyMask, cache: cache).select(axis: 1, index: input.shape[1] - 1)
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
            if padded {
                // One more key per row: its new token.
                var grown = [Bool](repeating: true, count: batch * (keys + 1))
                for row in 0..<batch {
                    for j in 0..<keys { grown[row * (keys + 1) + j] = mask[row * keys + j] }
                }
                mask = grown
            }
            keys += 1
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
