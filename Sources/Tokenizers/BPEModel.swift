/// Byte-pair merging over raw bytes: the vocabulary and merge ranks of a byte-level BPE tokenizer,
/// with tokens stored as the bytes they stand for rather than their GPT-2 character spelling.
struct BPEModel: Sendable {
    /// Token bytes → id.
    let vocabulary: ByteStringTable
    /// The id of each single byte, -1 where the vocabulary lacks it.
    let byteIDs: [Int]
    /// `left << 32 | right` → `rank << 32 | merged id`.
    let merges: [UInt64: UInt64]
    /// Used for bytes missing from the vocabulary; nil drops them (as Hugging Face does).
    let unknownID: Int?
    /// Whether consecutive unknown bytes become one unknown token.
    let fuseUnknown: Bool
    /// Whether a piece that is itself a vocabulary token skips merging (`ignore_merges`).
    let ignoreMerges: Bool
    let cache = BPEWordCache()

    /// Appends the ids of one pre-tokenized piece.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int], scratch: inout [Int]) {
        if word.isEmpty { return }
        if ignoreMerges, let id = vocabulary.value(for: word) {
            ids.append(id)
            return
        }
        if cache.append(word, to: &ids) { return }
        scratch.removeAll(keepingCapacity: true)
        var previousUnknown = false
        for byte in word {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                scratch.append(id)
                previousUnknown = false
            } else if let unknownID {
                if !(fuseUnknown && previousUnknown) { scratch.append(unknownID) }
                previousUnknown = true
            }
        }
        // Merge the lowest-ranked adjacent pair (leftmost on ties) until no pair has a rule.
        while scratch.count > 1 {
            var bestRank = UInt64.max
            var bestIndex = -1
            var bestID = 0
            for k in 0..<(scratch.count - 1) {
                let key = UInt64(UInt32(truncatingIfNeeded: scratch[k])) << 32
                    | UInt64(UInt32(truncatingIfNeeded: scratch[k + 1]))
                if let rule = merges[key], rule >> 32 < bestRank {
                    bestRank = rule >> 32
                    bestIndex = k
                    bestID = Int(rule & 0xFFFF_FFFF)
                }
            }
            if bestIndex < 0 { break }
            scratch[bestIndex] = bestID
            scratch.remove(at: bestIndex + 1)
        }
        cache.store(word, ids: scratch[...])
        ids.append(contentsOf: scratch)
    }
}
