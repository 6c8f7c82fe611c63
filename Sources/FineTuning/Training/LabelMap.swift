/// Maps label strings to class indices: either a fixed list, or learned in order of first
/// appearance.
public struct LabelMap: Sendable, Equatable {
    /// Label names by class index.
    public private(set) var names: [String]
    /// Whether unseen labels get new indices (otherwise they throw ``DataError/unknownLabel(file:line:label:)``).
    public var allowsNewLabels: Bool

    /// A map with fixed `names` (index = position), or empty and growing when `names` is nil.
    public init(names: [String]? = nil) {
        self.names = names ?? []
        self.allowsNewLabels = names == nil
    }

    /// The index of `label`: its position among `names`; otherwise a string of digits is taken
    /// as the index itself (below `names.count` for a fixed map); otherwise a new index when the
    /// map grows.
    mutating func index(of label: String, file: String, line: Int) throws(DataError) -> Int {
        if let i = names.firstIndex(of: label) { return i }
        if let number = Int(label), number >= 0, allowsNewLabels || number < names.count { return number }
        guard allowsNewLabels else { throw DataError.unknownLabel(file: file, line: line, label: label) }
        names.append(label)
        return names.count - 1
    }
}
