import Foundation

/// A `--config` file: the same keys as the command-line flags (`train-file`, `steps`, …;
/// `train_file` works too), in JSON or in a small subset of YAML, chosen by the extension
/// (`.json`; anything else is read as YAML).
///
/// The YAML subset covers what a flat configuration needs, as mlx-lm's `lora_config.yaml` and
/// Hugging Face's training YAMLs write it:
///
/// ```yaml
/// # comments, blank lines
/// train-file: data/train.csv        # key: value, one per line, at the start of the line
/// strategy: lora
/// learning_rate: 1e-3               # numbers, true/false, "quoted" or 'quoted' strings
/// targets: [query, value]           # a list in brackets…
/// targets:                          # …or as indented "- item" lines
///   - query
///   - value
/// ```
///
/// Nested mappings, anchors, multi-line strings and the rest of YAML are not read: they throw,
/// naming the line.
public struct ConfigFile {
    /// A value: one scalar (kept as written) or a list of them.
    public enum Value: Equatable, Sendable {
        case scalar(String)
        case list([String])
    }

    /// The file's path, for messages.
    public let path: String
    /// The values by key (`_` in keys read as `-`).
    public let values: [String: Value]

    /// Reads `url` (JSON when its extension is `.json`, the YAML subset otherwise).
    public init(contentsOf url: URL) throws(ExampleError) {
        path = url.path
        guard let data = try? Data(contentsOf: url) else { throw .missingFile(path: url.path) }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .invalidConfig(file: url.path, line: nil, reason: "not UTF-8 text")
        }
        values = url.pathExtension.lowercased() == "json" ? try Self.parseJSON(data, file: url.path)
            : try Self.parseYAML(text, file: url.path)
    }

    /// Values given directly (tests).
    public init(path: String, values: [String: Value]) {
        self.path = path
        self.values = values
    }

    /// Throws for a key that is not in `known`, naming it and listing the known ones.
    public func checkKeys(_ known: [String]) throws(ExampleError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalidConfig(file: path, line: nil, reason: "unknown key '\(unknown)' (known: \(known.joined(separator: ", ")))")
        }
    }

    /// The scalar at `key` as a string.
    public func string(_ key: String) throws(ExampleError) -> String? {
        switch values[key] {
        case nil: return nil
        case .scalar(let s): return s
        case .list: throw .invalidConfig(file: path, line: nil, reason: "'\(key)' must be a single value, not a list")
        }
    }

    /// The scalar at `key` as an integer.
    public func int(_ key: String) throws(ExampleError) -> Int? {
        try string(key).map { (s: String) throws(ExampleError) -> Int in
            guard let value = Int(s) else { throw .invalidConfig(file: path, line: nil, reason: "'\(key)' must be an integer, got '\(s)'") }
            return value
        }
    }

    /// The scalar at `key` as a number.
    public func double(_ key: String) throws(ExampleError) -> Double? {
        try string(key).map { (s: String) throws(ExampleError) -> Double in
            guard let value = Double(s) else { throw .invalidConfig(file: path, line: nil, reason: "'\(key)' must be a number, got '\(s)'") }
            return value
        }
    }

    /// The scalar at `key` as `true` or `false`.
    public func bool(_ key: String) throws(ExampleError) -> Bool? {
        try string(key).map { (s: String) throws(ExampleError) -> Bool in
            switch s.lowercased() {
            case "true", "yes", "on": return true
            case "false", "no", "off": return false
            default: throw .invalidConfig(file: path, line: nil, reason: "'\(key)' must be true or false, got '\(s)'")
            }
        }
    }

    /// The value at `key` as a list (a scalar is a list of one).
    public func strings(_ key: String) -> [String]? {
        switch values[key] {
        case nil: nil
        case .scalar(let s): [s]
        case .list(let items): items
        }
    }

    private static func key(_ raw: String) -> String { raw.replacingOccurrences(of: "_", with: "-") }

    /// A scalar, a list of scalars, nothing else.
    private enum JSONValue: Decodable {
        case scalar(String)
        case list([String])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) { self = .scalar(b ? "true" : "false") }
            else if let i = try? container.decode(Int64.self) { self = .scalar(String(i)) }
            else if let d = try? container.decode(Double.self) { self = .scalar(String(d)) }
            else if let s = try? container.decode(String.self) { self = .scalar(s) }
            else { self = .list(try container.decode([JSONScalar].self).map(\.text)) }
        }
    }

    private struct JSONScalar: Decodable {
        var text: String
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let b = try? container.decode(Bool.self) { text = b ? "true" : "false" }
            else if let i = try? container.decode(Int64.self) { text = String(i) }
            else if let d = try? container.decode(Double.self) { text = String(d) }
            else { text = try container.decode(String.self) }
        }
    }

    static func parseJSON(_ data: Data, file: String) throws(ExampleError) -> [String: Value] {
        let object: [String: JSONValue]
        do {
            object = try JSONDecoder().decode([String: JSONValue].self, from: data)
        } catch {
            throw .invalidConfig(file: file, line: nil,
                                 reason: "expected one JSON object whose values are strings, numbers, true/false or lists of them")
        }
        var values: [String: Value] = [:]
        for (raw, value) in object {
            switch value {
            case .scalar(let s): values[key(raw)] = .scalar(s)
            case .list(let items): values[key(raw)] = .list(items)
            }
        }
        return values
    }

    static func parseYAML(_ text: String, file: String) throws(ExampleError) -> [String: Value] {
        var values: [String: Value] = [:]
        var openList: String? = nil   // the key whose "- item" lines follow
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        for (offset, rawLine) in lines.enumerated() {
            let number = offset + 1
            func fail(_ reason: String) -> ExampleError { .invalidConfig(file: file, line: number, reason: reason) }
            let line = stripComment(String(rawLine))
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "---" { continue }
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                guard let listKey = openList, line.first == " " || line.first == "\t" || line.first == "-" else {
                    throw fail("a '- item' line must follow a 'key:' line with no value")
                }
                let item = try scalar(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces), fail: fail)
                if case .list(let items) = values[listKey] { values[listKey] = .list(items + [item]) }
                continue
            }
            guard line.first.map({ !$0.isWhitespace }) == true else {
                throw fail("indented line: only flat 'key: value' lines and '- item' lists are read")
            }
            guard let colon = line.firstIndex(of: ":") else { throw fail("expected 'key: value'") }
            let name = key(String(line[..<colon]).trimmingCharacters(in: .whitespaces))
            guard !name.isEmpty, !name.contains(" ") else { throw fail("expected 'key: value'") }
            guard values[name] == nil else { throw fail("'\(name)' is given twice") }
            let rest = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            openList = nil
            if rest.isEmpty {
                values[name] = .list([])
                openList = name
            } else if rest.hasPrefix("[") {
                guard rest.hasSuffix("]") else { throw fail("a [list] must end on the same line") }
                let inner = rest.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                values[name] = .list(try inner.isEmpty ? [] : inner.split(separator: ",").map { (item) throws(ExampleError) -> String in
                    try scalar(item.trimmingCharacters(in: .whitespaces), fail: fail)
                })
            } else if rest.hasPrefix("{") || rest.hasPrefix("|") || rest.hasPrefix(">") || rest.hasPrefix("&") || rest.hasPrefix("*") {
                throw fail("only plain values, quoted strings and lists are read (no mappings, blocks or anchors)")
            } else {
                values[name] = .scalar(try scalar(rest, fail: fail))
            }
        }
        return values
    }

    /// A plain or quoted scalar.
    private static func scalar(_ text: String, fail: (String) -> ExampleError) throws(ExampleError) -> String {
        for quote in ["\"", "'"] where text.hasPrefix(quote) {
            guard text.count >= 2, text.hasSuffix(quote) else { throw fail("unterminated \(quote) string") }
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// The line without a `# comment` (a `#` at the start or after a space, outside quotes).
    private static func stripComment(_ line: String) -> String {
        var quote: Character? = nil
        var previous: Character = " "
        for index in line.indices {
            let c = line[index]
            if let q = quote {
                if c == q { quote = nil }
            } else if (c == "\"" || c == "'") && previous.isWhitespace {
                quote = c
            } else if c == "#" && previous.isWhitespace {
                return String(line[..<index])
            }
            previous = c
        }
        return line
    }
}
