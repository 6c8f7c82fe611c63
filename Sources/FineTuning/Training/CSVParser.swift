/// Splits delimiter-separated text into records per RFC 4180: fields may be quoted with `"`,
/// quoted fields may hold delimiters, line breaks and doubled quotes (`""`), records end with
/// `\n` or `\r\n`.
///
/// Works on UTF-8 bytes (delimiter and quote are ASCII, so they never occur inside a multi-byte
/// character).
struct CSVParser {
    /// One record and the line where it starts.
    struct Record {
        var line: Int
        var fields: [String]
    }

    /// A record that could not be parsed; parsing resumes on the line after `line`.
    struct Failure: Error {
        var line: Int
        var reason: String
    }

    private let bytes: [UInt8]
    private let delimiter: UInt8
    private var position = 0
    private var line = 1
    private static let quote = UInt8(ascii: "\""), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

    init(_ text: String, delimiter: Character) {
        precondition(delimiter.isASCII && delimiter != "\"" && !delimiter.isNewline,
                     "CSVParser: delimiter must be an ASCII character other than a quote or newline")
        bytes = Array(text.utf8)
        self.delimiter = delimiter.asciiValue!
    }

    /// The next record, nil at the end, or a failure (after which the next call continues with
    /// the following line).
    mutating func next() -> Result<Record, Failure>? {
        // Skip blank lines between records.
        while position < bytes.count, bytes[position] == Self.newline || (bytes[position] == Self.cr && peek(1) == Self.newline) {
            position += bytes[position] == Self.cr ? 2 : 1
            line += 1
        }
        guard position < bytes.count else { return nil }
        let start = line, startPosition = position
        var fields: [String] = []
        var field: [UInt8] = []
        while true {
            if position < bytes.count, bytes[position] == Self.quote {
                position += 1
                var closed = false
                while position < bytes.count {
                    let byte = bytes[position]
                    if byte == Self.quote {
                        if peek(1) == Self.quote { field.append(Self.quote); position += 2; continue }
                        position += 1
                        closed = true
                        break
                    }
                    if byte == Self.newline { line += 1 }
                    field.append(byte)
                    position += 1
                }
                guard closed else { return .failure(resync(start, startPosition, "unterminated quoted field")) }
                if position < bytes.count, bytes[position] != delimiter, bytes[position] != Self.newline,
                   !(bytes[position] == Self.cr && (peek(1) == Self.newline || peek(1) == nil)) {
                    return .failure(resync(start, startPosition, "unexpected character after a closing quote"))
                }
            } else {
                while position < bytes.count, bytes[position] != delimiter, bytes[position] != Self.newline {
                    if bytes[position] == Self.quote {
                        return .failure(resync(start, startPosition, "quote inside an unquoted field"))
                    }
                    field.append(bytes[position])
                    position += 1
                }
                if field.last == Self.cr && (position == bytes.count || bytes[position] == Self.newline) { field.removeLast() }
            }
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            if position < bytes.count, bytes[position] == delimiter {
                position += 1
                continue
            }
            // End of record: newline (possibly after \r) or end of text.
            if position < bytes.count, bytes[position] == Self.cr { position += 1 }
            if position < bytes.count, bytes[position] == Self.newline { position += 1; line += 1 }
            return .success(Record(line: start, fields: fields))
        }
    }

    private func peek(_ offset: Int) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    /// Moves to the line after the record's first line, so one bad record costs one line.
    private mutating func resync(_ startLine: Int, _ startPosition: Int, _ reason: String) -> Failure {
        position = startPosition
        while position < bytes.count, bytes[position] != Self.newline { position += 1 }
        if position < bytes.count { position += 1 }
        line = startLine + 1
        return Failure(line: startLine, reason: reason)
    }
}
