/// Selects the `k` largest scores of a row without sorting the row: a min-heap of size `k` holds
/// the best seen so far, so a row of `n` scores costs O(n log k) and no allocation per element.
/// Equal scores keep the lower row index first, so results are deterministic.
struct TopK {
    private(set) var scores: [Float]
    private(set) var rows: [Int]
    private(set) var count = 0
    let k: Int

    init(k: Int) {
        self.k = k
        scores = [Float](repeating: 0, count: k)
        rows = [Int](repeating: 0, count: k)
    }

    /// The best `k` of `row` (`n` scores), best first, as (row index, score) pairs.
    mutating func select(_ row: UnsafeBufferPointer<Float>) -> [(row: Int, score: Float)] {
        guard k > 0 else { return [] }
        let k = self.k
        var filled = 0
        scores.withUnsafeMutableBufferPointer { heapScores in
            rows.withUnsafeMutableBufferPointer { heapRows in
                for index in 0..<row.count {
                    let score = row[index]
                    if filled < k {
                        heapScores[filled] = score
                        heapRows[filled] = index
                        filled += 1
                        Self.siftUp(filled - 1, heapScores, heapRows)
                    } else if score > heapScores[0] {
                        heapScores[0] = score
                        heapRows[0] = index
                        Self.siftDown(0, filled, heapScores, heapRows)
                    }
                }
            }
        }
        count = filled
        var result = (0..<count).map { (row: rows[$0], score: scores[$0]) }
        result.sort { $0.score != $1.score ? $0.score > $1.score : $0.row < $1.row }
        return result
    }

    /// Heap order: the root is the worst kept hit (lowest score; among equals, the highest row).
    @inline(__always)
    private static func worse(_ a: Int, _ b: Int, _ s: UnsafeMutableBufferPointer<Float>, _ r: UnsafeMutableBufferPointer<Int>) -> Bool {
        s[a] != s[b] ? s[a] < s[b] : r[a] > r[b]
    }

    private static func siftUp(_ start: Int, _ s: UnsafeMutableBufferPointer<Float>, _ r: UnsafeMutableBufferPointer<Int>) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard worse(child, parent, s, r) else { return }
            s.swapAt(child, parent)
            r.swapAt(child, parent)
            child = parent
        }
    }

    private static func siftDown(_ start: Int, _ size: Int, _ s: UnsafeMutableBufferPointer<Float>, _ r: UnsafeMutableBufferPointer<Int>) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            guard left < size else { return }
            var worst = left
            if left + 1 < size && worse(left + 1, left, s, r) { worst = left + 1 }
            guard worse(worst, parent, s, r) else { return }
            s.swapAt(worst, parent)
            r.swapAt(worst, parent)
            parent = worst
        }
    }
}
