import Foundation

/// Typed reads from a parsed `config.json`, each error naming the key.
struct ConfigJSON {
    let path: String
    let object: [String: Any]

    init(path: String, object: [String: Any]) {
        self.path = path
        self.object = object
    }

    /// Reads and parses a JSON object file; a syntax error names the line and column.
    init(contentsOf url: URL) throws(PretrainedError) {
        let path = url.path
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .invalidConfig(path: path, reason: "cannot read the file (\(error.localizedDescription))")
        }
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidConfig(path: path, reason: Self.syntaxError(error, in: data))
        }
        guard let object = parsed as? [String: Any] else {
            throw .invalidConfig(path: path, reason: "the top level is not a JSON object")
        }
        self.init(path: path, object: object)
    }

    /// Foundation's parse error as "invalid JSON at line L, column C: ..." (Foundation reports a
    /// byte offset in its debug description; Linux's localized text says only "not in the correct format").
    static func syntaxError(_ error: Error, in data: Data) -> String {
        let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error.localizedDescription)"
        guard let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
              let offset = Int(detail[range].dropFirst("character ".count)), offset <= data.count else {
            return "invalid JSON: \(detail)"
        }
        let before = data.prefix(offset)
        let line = before.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: 0x0A).map { $0 + 1 } ?? before.startIndex
        let column = before.distance(from: lineStart, to: before.endIndex) + 1
        return "invalid JSON at line \(line), column \(column): \(detail)"
    }

    private func value(_ key: String) throws(PretrainedError) -> Any? {
        guard let value = object[key] else { return nil }
        return value is NSNull ? nil : value
    }

    private func invalid(_ key: String, _ expected: String, _ value: Any) -> PretrainedError {
        .invalidConfigValue(path: path, key: key, reason: "must be \(expected), found \(Self.render(value))")
    }

    private static func render(_ value: Any) -> String {
        if let string = value as? String { return "\"\(string)\"" }
        if let data = try? JSONSerialization.data(withJSONObject: [value], options: [.fragmentsAllowed]),
           let text = String(data: data, encoding: .utf8) { return String(text.dropFirst().dropLast()) }
        return "\(value)"
    }

    /// JSON booleans also arrive as NSNumber; they are not numbers here.
    private static func isBool(_ value: Any) -> Bool {
        if let number = value as? NSNumber {
            return String(cString: number.objCType) == "c" || type(of: value) == Bool.self
        }
        return value is Bool
    }

    func string(_ key: String, default fallback: String? = nil) throws(PretrainedError) -> String {
        guard let raw = try value(key) else {
            if let fallback { return fallback }
            throw .missingConfigKey(path: path, key: key)
        }
        guard let string = raw as? String else { throw invalid(key, "a string", raw) }
        return string
    }

    func int(_ key: String, default fallback: Int? = nil, minimum: Int) throws(PretrainedError) -> Int {
        guard let raw = try value(key) else {
            if let fallback { return fallback }
            throw .missingConfigKey(path: path, key: key)
        }
        guard !Self.isBool(raw), raw is NSNumber || raw is Int, let double = (raw as? NSNumber)?.doubleValue,
              double.rounded() == double, abs(double) < 1e15 else { throw invalid(key, "an integer", raw) }
        let int = Int(double)
        guard int >= minimum else { throw invalid(key, "an integer ≥ \(minimum)", raw) }
        return int
    }

    func positiveInt(_ key: String, default fallback: Int? = nil) throws(PretrainedError) -> Int {
        try int(key, default: fallback, minimum: 1)
    }

    func double(_ key: String, default fallback: Double, range: ClosedRange<Double>) throws(PretrainedError) -> Double {
        guard let raw = try value(key) else { return fallback }
        guard !Self.isBool(raw), let number = raw as? NSNumber else { throw invalid(key, "a number", raw) }
        let double = number.doubleValue
        guard range.contains(double) else { throw invalid(key, "a number in \(range)", raw) }
        return double
    }
}
