/// Byte-pair merging of one word in O(n log n): the symbols form a doubly linked list over their
/// first positions, and every adjacent pair that has a merge rule waits in a min-heap keyed by
/// `rank << 32 | position`.
///
/// Popping the heap gives the lowest-ranked pair, the leftmost on ties, which is the pair the
/// plain quadratic loop ("merge the best pair, rescan") would pick, so the ids are the same.
/// Merging changes the pairs around the merged symbol; rather than finding their old heap
/// entries, the new pairs are pushed and a popped entry is checked against the current list
/// (lazy invalidation): its left symbol must still be alive, and the rule for the pair now at
/// that position must have the entry's rank. Ranks are unique per rule, and a symbol's id only
/// changes by growing, so a matching rank means the very pair the entry was made for.
///
/// Words of up to ``shortWord`` symbols, most of natural text, skip the queue and merge by
/// rescanning, which is faster at that size. One merger is reused across words, so merging
/// allocates only when a word is longer than any before it.
struct BPEMerger {
    /// The id of the symbol starting at each byte position; -1 where a symbol was merged into its left.
    private var symbols: [Int] = []
    /// The position of the next live symbol; `symbols.count` after the last.
    private var next: [Int] = []
    /// The position of the previous live symbol; -1 before the first.
    private var previous: [Int] = []
    /// `rank << 32 | position` of candidate pairs, a binary min-heap.
    private var heap: [UInt64] = []

    /// The key of the pair (`left`, `right`) in a merge table.
    @inline(__always)
    static func pairKey(_ left: Int, _ right: Int) -> UInt64 {
        UInt64(UInt32(truncatingIfNeeded: left)) << 32 | UInt64(UInt32(truncatingIfNeeded: right))
    }

    /// Starts a new word.
    mutating func removeAll() {
        symbols.removeAll(keepingCapacity: true)
    }

    /// Appends a symbol to the word.
    mutating func append(_ id: Int) {
        symbols.append(id)
    }

    /// Merges the word's symbols with `merges` (`left << 32 | right` → `rank << 32 | merged id`)
    /// and appends the resulting ids to `ids`.
    ///
    /// Positions are kept in 32 bits of the heap key: words of 4 GiB and more are not supported.
    mutating func merge(_ merges: [UInt64: UInt64], into ids: inout [Int]) {
        if symbols.count <= Self.shortWord {
            mergeByScanning(merges)
            ids.append(contentsOf: symbols)
            return
        }
        let count = symbols.count
        next.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for k in 0..<count {
            next.append(k + 1)
            previous.append(k - 1)
        }
        for k in 0..<(count - 1) {
            if let rule = merges[Self.pairKey(symbols[k], symbols[k + 1])] { push(rule, at: k) }
        }
        while let top = popMin() {
            let position = Int(top & 0xFFFF_FFFF)
            let left = symbols[position]
            let right = next[position]
            guard left >= 0, right < count, let rule = merges[Self.pairKey(left, symbols[right])],
                  rule >> 32 == top >> 32 else { continue }
            symbols[position] = Int(rule & 0xFFFF_FFFF)
            symbols[right] = -1
            let after = next[right]
            next[position] = after
            if after < count {
                previous[after] = position
                if let rule = merges[Self.pairKey(symbols[position], symbols[after])] { push(rule, at: position) }
            }
            let before = previous[position]
            if before >= 0, let rule = merges[Self.pairKey(symbols[before], symbols[position])] {
                push(rule, at: before)
            }
        }
        var k = 0
        while k < count {
            ids.append(symbols[k])
            k = next[k]
        }
    }

    /// Words up to this many symbols merge by rescanning, which is faster than keeping the
    /// queue for them (most words of natural text are this short).
    static let shortWord = 16

    /// Merges the lowest-ranked adjacent pair (leftmost on ties) until no pair has a rule: O(n²),
    /// for short words only.
    private mutating func mergeByScanning(_ merges: [UInt64: UInt64]) {
        while symbols.count > 1 {
            var bestRank = UInt64.max
            var bestIndex = -1
            var bestID = 0
            for k in 0..<(symbols.count - 1) {
                if let rule = merges[Self.pairKey(symbols[k], symbols[k + 1])], rule >> 32 < bestRank {
                    bestRank = rule >> 32
                    bestIndex = k
                    bestID = Int(rule & 0xFFFF_FFFF)
                }
            }
            if bestIndex < 0 { return }
            symbols[bestIndex] = bestID
            symbols.remove(at: bestIndex + 1)
        }
    }

    @inline(__always)
    private mutating func push(_ rule: UInt64, at position: Int) {
        heap.append(rule & 0xFFFF_FFFF_0000_0000 | UInt64(position))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) >> 1
            if heap[parent] <= heap[child] { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    @inline(__always)
    private mutating func popMin() -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        let n = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= n { break }
            let right = left + 1
            let smaller = right < n && heap[right] < heap[left] ? right : left
            if heap[parent] <= heap[smaller] { break }
            heap.swapAt(parent, smaller)
            parent = smaller
        }
        return top
    }
}
