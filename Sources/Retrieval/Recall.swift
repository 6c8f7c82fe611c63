import FineTuning

/// Recall@k of approximate search results against exact ones: the fraction of each query's
/// exact top-`k` ids that the approximate top-`k` also holds, averaged over queries. 1 means the
/// approximate index found every true neighbour.
///
/// - Parameters:
///   - k: how many hits of each list count (lists may be longer).
///   - results: the approximate index's hits, one list per query.
///   - exact: the exact hits (``FlatIndex``) for the same queries.
/// - Returns: the mean recall, or 1 when there is nothing to find.
public func recall(at k: Int, of results: [[SearchHit]], against exact: [[SearchHit]]) -> Double {
    precondition(results.count == exact.count, "recall: \(results.count) result lists for \(exact.count) queries")
    var total = 0.0, counted = 0
    for (found, truth) in zip(results, exact) {
        let wanted = Set(truth.prefix(k).map(\.id))
        guard !wanted.isEmpty else { continue }
        let hit = found.prefix(k).reduce(0) { $0 + (wanted.contains($1.id) ? 1 : 0) }
        total += Double(hit) / Double(wanted.count)
        counted += 1
    }
    return counted == 0 ? 1 : total / Double(counted)
}

/// Recall@k of `index` against `reference` (usually a ``FlatIndex`` holding the same vectors)
/// for `queries` (`[q, dimension]`): both are searched once.
public func recall(at k: Int, of index: any VectorIndex, against reference: any VectorIndex, queries: Tensor) throws -> Double {
    recall(at: k, of: try index.search(queries, k: k), against: try reference.search(queries, k: k))
}
