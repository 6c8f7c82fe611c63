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

    /// Appends the ids of one pre-tokenized piece; `merger` is working memory reused across calls.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into ids: inout [Int], merger: inout BPEMerger) {
        if word.isEmpty { return }
        if ignoreMerges, let id = vocabulary.value(for: word) {
            ids.append(id)
            return
        }
        if cache.append(word, to: &ids) { return }
        merger.removeAll()
        var previousUnknown = false
        for byte in word {
            let id = byteIDs[Int(byte)]
            if id >= 0 {
                merger.append(id)
                previousUnknown = false
            } else if let unknownID {
                if !(fuseUnknown && previousUnknown) { merger.append(unknownID) }
                previousUnknown = true
            }
        }
        let start = ids.count
        merger.merge(merges, into: &ids)
        cache.store(word, ids: ids[start...])
    }
}
