/// Python's `str` operations on code points (templates index and measure strings as Python does).
enum PythonString {
    static func strip(_ text: String, chars: String?, leading: Bool = true, trailing: Bool = true) -> String {
        let set = chars.map { Set($0.unicodeScalars) }
        let strips: (Unicode.Scalar) -> Bool = { set?.contains($0) ?? isPythonWhitespace($0) }
        let scalars = Array(text.unicodeScalars)
        var start = 0, end = scalars.count
        if leading { while start < end, strips(scalars[start]) { start += 1 } }
        if trailing { while end > start, strips(scalars[end - 1]) { end -= 1 } }
        return make(scalars[start..<end])
    }

    static func make<S: Sequence>(_ scalars: S) -> String where S.Element == Unicode.Scalar {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
    }

    private static func isCased(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isUppercase || scalar.properties.isLowercase || scalar.properties.generalCategory == .titlecaseLetter
    }

    /// `str.title()`: a cased character after an uncased one starts a word.
    static func title(_ text: String) -> String {
        var result = ""
        var previousCased = false
        for scalar in text.unicodeScalars {
            let piece = String(scalar)
            result += previousCased ? piece.lowercased() : piece.uppercased()
            previousCased = isCased(scalar)
        }
        return result
    }

    /// `str.capitalize()`: the first character upper-cased, the rest lower-cased.
    static func capitalize(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        return String(first).uppercased() + make(text.unicodeScalars.dropFirst()).lowercased()
    }

    /// `str.split(sep, maxsplit)` / `str.rsplit`: with no separator, splits on whitespace runs and drops empty parts.
    static func split(_ text: String, separator: String?, limit: Int, fromEnd: Bool) -> [String] {
        var scalars = Array(text.unicodeScalars)
        if fromEnd { scalars.reverse() }
        var parts: [String] = []
        func finish(_ part: ArraySlice<Unicode.Scalar>) -> String {
            fromEnd ? make(part.reversed()) : make(part)
        }
        if let separator {
            var sep = Array(separator.unicodeScalars)
            if fromEnd { sep.reverse() }
            var start = 0, i = 0
            while i + sep.count <= scalars.count {
                if (limit < 0 || parts.count < limit) && Array(scalars[i..<i + sep.count]) == sep {
                    parts.append(finish(scalars[start..<i]))
                    i += sep.count
                    start = i
                } else {
                    i += 1
                }
            }
            parts.append(finish(scalars[start...]))
        } else {
            var i = 0
            while i < scalars.count {
                while i < scalars.count, isPythonWhitespace(scalars[i]) { i += 1 }
                guard i < scalars.count else { break }
                if limit >= 0 && parts.count == limit {
                    var end = scalars.count
                    while end > i, isPythonWhitespace(scalars[end - 1]) { end -= 1 }
                    parts.append(finish(scalars[i..<end]))
                    break
                }
                let start = i
                while i < scalars.count, !isPythonWhitespace(scalars[i]) { i += 1 }
                parts.append(finish(scalars[start..<i]))
            }
        }
        return fromEnd ? parts.reversed() : parts
    }

    static func splitLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            if previousCR && scalar == "\n" { previousCR = false; continue }
            previousCR = scalar == "\r"
            if ["\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{1D}", "\u{1E}", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) {
                lines.append(String(current))
                current = String.UnicodeScalarView()
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    static func replace(_ text: String, _ old: String, _ new: String, count: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        let oldScalars = Array(old.unicodeScalars)
        var result = String.UnicodeScalarView()
        var replaced = 0
        if oldScalars.isEmpty {
            // Python inserts `new` before every character and at the end.
            for scalar in scalars {
                if count < 0 || replaced < count { result.append(contentsOf: new.unicodeScalars); replaced += 1 }
                result.append(scalar)
            }
            if count < 0 || replaced < count { result.append(contentsOf: new.unicodeScalars) }
            return String(result)
        }
        var i = 0
        while i < scalars.count {
            if (count < 0 || replaced < count) && i + oldScalars.count <= scalars.count
                && scalars[i..<i + oldScalars.count].elementsEqual(oldScalars) {
                result.append(contentsOf: new.unicodeScalars)
                i += oldScalars.count
                replaced += 1
            } else {
                result.append(scalars[i])
                i += 1
            }
        }
        return String(result)
    }

    static func find(_ needle: String, in text: String, fromEnd: Bool) -> Int {
        let scalars = Array(text.unicodeScalars), target = Array(needle.unicodeScalars)
        guard target.count <= scalars.count else { return -1 }
        let candidates = Array(0...(scalars.count - target.count))
        for i in fromEnd ? candidates.reversed() : candidates where scalars[i..<i + target.count].elementsEqual(target) {
            return i
        }
        return -1
    }

    static func count(_ needle: String, in text: String) -> Int {
        let scalars = Array(text.unicodeScalars), target = Array(needle.unicodeScalars)
        if target.isEmpty { return scalars.count + 1 }
        var i = 0, found = 0
        while i + target.count <= scalars.count {
            if scalars[i..<i + target.count].elementsEqual(target) { found += 1; i += target.count } else { i += 1 }
        }
        return found
    }

    static func classify(_ text: String, _ name: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard !scalars.isEmpty else { return false }
        switch name {
        case "isdigit": return scalars.allSatisfy { $0.properties.numericType == .decimal || $0.properties.numericType == .digit }
        case "isalpha": return scalars.allSatisfy { $0.properties.isAlphabetic }
        case "isalnum": return scalars.allSatisfy { $0.properties.isAlphabetic || $0.properties.numericType != nil }
        case "isspace": return scalars.allSatisfy(isPythonWhitespace)
        case "isupper": return scalars.contains { isCased($0) } && !scalars.contains { $0.properties.isLowercase }
        default: return scalars.contains { isCased($0) } && !scalars.contains { $0.properties.isUppercase }
        }
    }
}
