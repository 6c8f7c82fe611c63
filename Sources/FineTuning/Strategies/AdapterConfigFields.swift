import Foundation

/// Typed, range-checked reads of `adapter_config.json` fields: a wrong type or an impossible
/// value throws ``StrategyError/invalidAdapterFile(file:reason:)`` naming the key, instead of
/// being read as a default or reaching a layer that would trap on it (a dropout of 2, a rank of
/// a hundred million).
struct AdapterConfigFields {
    let json: [String: Any]
    let url: URL

    /// The largest rank a file may ask for; ranks beyond the layer sizes are refused later.
    static let maximumRank = 65_536

    func bad(_ key: String, _ reason: String) -> StrategyError {
        .invalidAdapterFile(file: url.path, reason: "'\(key)' \(reason)")
    }

    /// The value of `key`; nil when absent or JSON null.
    private func value(_ key: String) -> Any? {
        guard let value = json[key], !(value is NSNull) else { return nil }
        return value
    }

    /// JSON booleans arrive as NSNumber too; they are not numbers here. (`is Bool` alone is no
    /// test: an NSNumber 0 or 1 casts to Bool.)
    private static func isBool(_ value: Any) -> Bool {
        if let number = value as? NSNumber {
            return String(cString: number.objCType) == "c" || type(of: value) == Bool.self
        }
        return value is Bool
    }

    private func number(_ key: String) throws(StrategyError) -> Double? {
        guard let raw = value(key) else { return nil }
        guard !Self.isBool(raw), let number = raw as? NSNumber, number.doubleValue.isFinite else {
            throw bad(key, "must be a number, found \(raw)")
        }
        return number.doubleValue
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws(StrategyError) -> Int? {
        guard let double = try number(key) else { return nil }
        guard double.rounded() == double, double >= Double(range.lowerBound), double <= Double(range.upperBound) else {
            throw bad(key, "must be an integer in \(range.lowerBound)...\(range.upperBound), found \(double)")
        }
        return Int(double)
    }

    func double(_ key: String, where valid: (Double) -> Bool, expected: String) throws(StrategyError) -> Double? {
        guard let double = try number(key) else { return nil }
        guard valid(double) else { throw bad(key, "must be \(expected), found \(double)") }
        return double
    }

    func bool(_ key: String) throws(StrategyError) -> Bool? {
        guard let raw = value(key) else { return nil }
        guard Self.isBool(raw), let flag = (raw as? Bool) ?? (raw as? NSNumber)?.boolValue else {
            throw bad(key, "must be true or false, found \(raw)")
        }
        return flag
    }

    func string(_ key: String) throws(StrategyError) -> String? {
        guard let raw = value(key) else { return nil }
        guard let text = raw as? String else { throw bad(key, "must be a string, found \(raw)") }
        return text
    }

    /// A list of strings, or one string (PEFT accepts a regex string for `target_modules`).
    func strings(_ key: String) throws(StrategyError) -> [String]? {
        guard let raw = value(key) else { return nil }
        if let text = raw as? String { return [text] }
        guard let list = raw as? [Any], let texts = list as? [String] else {
            throw bad(key, "must be a string or a list of strings, found \(raw)")
        }
        return texts
    }

    /// A list of non-negative integers, or one.
    func indices(_ key: String) throws(StrategyError) -> [Int]? {
        guard let raw = value(key) else { return nil }
        let items = raw as? [Any] ?? [raw]
        var result: [Int] = []
        for item in items {
            guard !Self.isBool(item), let number = item as? NSNumber, number.doubleValue.rounded() == number.doubleValue,
                  number.doubleValue >= 0, number.doubleValue < 1e9 else {
                throw bad(key, "must be a non-negative integer or a list of them, found \(raw)")
            }
            result.append(number.intValue)
        }
        return result
    }
}
