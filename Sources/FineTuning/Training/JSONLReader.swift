import Foundation

/// Reads JSON Lines files (one JSON object per line) into examples; the field names are
/// configurable. Blank lines are ignored.
///
/// ```swift
/// let reader = JSONLReader(textField: "sentence", labelField: "label")
/// let train = try reader.readClassification(from: url).dataset
/// ```
public struct JSONLReader: Sendable {
    /// The field holding the text.
    public var textField: String
    /// The field holding the label (a number, or a string mapped through the label map).
    public var labelField: String
    /// Skip (and count) malformed lines instead of throwing.
    public var skipMalformed: Bool

    /// A reader of the given fields.
    public init(textField: String = "text", labelField: String = "label", skipMalformed: Bool = false) {
        self.textField = textField
        self.labelField = labelField
        self.skipMalformed = skipMalformed
    }

    /// Text classification examples. Labels are mapped through `labels` (which grows with new
    /// names unless it was made with fixed names); a numeric label is a class index, checked
    /// against a fixed map like the digit strings of ``LabelMap``.
    public func readClassification(from url: URL, labels: inout LabelMap) throws(DataError) -> ReadResult<TextClassificationExample> {
        let file = url.lastPathComponent
        var accumulator = ReadAccumulator<TextClassificationExample>(skipMalformed: skipMalformed)
        for (number, line) in try lines(url) {
            try accumulator.add { () throws(DataError) -> TextClassificationExample? in
                let object = try parse(line, file: file, line: number)
                let text = try string(object, textField, file: file, line: number)
                let label: Int
                switch object[labelField] {
                case let value as NSNumber:
                    guard let exact = Int(exactly: value.doubleValue), exact >= 0 else {
                        throw DataError.malformedLine(file: file, line: number, reason: "label '\(value)' is not a class index")
                    }
                    // Through the map too: a fixed map refuses an index past its classes, a growing one counts it.
                    label = try labels.index(of: String(exact), file: file, line: number)
                case let value as String:
                    label = try labels.index(of: value, file: file, line: number)
                case nil:
                    throw DataError.malformedLine(file: file, line: number, reason: "missing field '\(labelField)'")
                default:
                    throw DataError.malformedLine(file: file, line: number, reason: "field '\(labelField)' is not a number or string")
                }
                return TextClassificationExample(text: text, label: label)
            }
        }
        return accumulator.result
    }

    /// Text classification examples with a growing label map.
    public func readClassification(from url: URL) throws(DataError) -> ReadResult<TextClassificationExample> {
        var labels = LabelMap()
        return try readClassification(from: url, labels: &labels)
    }

    /// Language modelling examples from the text field.
    public func readLanguageModeling(from url: URL) throws(DataError) -> ReadResult<LanguageModelingExample> {
        let file = url.lastPathComponent
        var accumulator = ReadAccumulator<LanguageModelingExample>(skipMalformed: skipMalformed)
        for (number, line) in try lines(url) {
            try accumulator.add { () throws(DataError) -> LanguageModelingExample? in
                let object = try parse(line, file: file, line: number)
                return LanguageModelingExample(text: try string(object, textField, file: file, line: number))
            }
        }
        return accumulator.result
    }

    private func lines(_ url: URL) throws(DataError) -> [(number: Int, text: Substring)] {
        TextFile.lines(try TextFile.read(url)).filter { !$0.text.allSatisfy(\.isWhitespace) }
    }

    private func parse(_ line: Substring, file: String, line number: Int) throws(DataError) -> [String: Any] {
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw DataError.malformedLine(file: file, line: number, reason: "invalid JSON")
        }
        guard let object = value as? [String: Any] else {
            throw DataError.malformedLine(file: file, line: number, reason: "expected a JSON object")
        }
        return object
    }

    private func string(_ object: [String: Any], _ field: String, file: String, line: Int) throws(DataError) -> String {
        switch object[field] {
        case let text as String: return text
        case nil: throw DataError.malformedLine(file: file, line: line, reason: "missing field '\(field)'")
        default: throw DataError.malformedLine(file: file, line: line, reason: "field '\(field)' is not a string")
        }
    }
}
