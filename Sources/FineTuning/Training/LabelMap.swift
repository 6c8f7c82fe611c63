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

    /// The largest class index a digit label may name in a growing map (a label like
    /// `99999999` would otherwise size a classifier with that many outputs).
    public static let maximumNumericLabel = 100_000

    /// The index of `label`: its position among `names`; otherwise a string of digits is taken
    /// as the index itself (below `names.count` for a fixed map; a growing map extends `names`
    /// with the digit names up to it, so every index handed out is below `names.count`);
    /// otherwise a new index when the map grows. Anything else throws naming file and line.
    mutating func index(of label: String, file: String, line: Int) throws(DataError) -> Int {
        if let i = names.firstIndex(of: label) { return i }
        if let number = Int(label), number >= 0 {
            if number < names.count { return number }
            if allowsNewLabels && number <= Self.maximumNumericLabel {
                while names.count <= number { names.append(String(names.count)) }
                return number
            }
        }
        guard allowsNewLabels else { throw DataError.unknownLabel(file: file, line: line, label: label) }
        names.append(label)
        return names.count - 1
    }
}
