import Foundation

/// Reads supervised fine-tuning data: JSON Lines files of ``SFTRecord``s, one shape per file, and
/// the `train.jsonl` / `valid.jsonl` / `test.jsonl` folders mlx-lm reads.
///
/// Each line is `{"messages": [{"role": "user", "content": "..."}, ...]}`,
/// `{"prompt": "...", "completion": "..."}` or `{"text": "..."}`; other fields are ignored, blank
/// lines skipped. A file mixing shapes is refused at the first line of another shape (as mlx-lm
/// refuses it): a mixture is almost always two datasets concatenated by mistake, and the shapes
/// train differently (text trains every token, the others only the answers).
///
/// ```swift
/// let splits = try SFTJSONLReader().read(folder: URL(fileURLWithPath: "data/trec-json"))
/// let encoded = try llm.sftEncoder(maxLength: 256).encode(splits.train)
/// ```
public struct SFTJSONLReader: Sendable {
    /// Skip (and count) malformed lines instead of throwing.
    public var skipMalformed: Bool

    /// A reader that throws on the first malformed line unless `skipMalformed`.
    public init(skipMalformed: Bool = false) { self.skipMalformed = skipMalformed }

    /// The records of one JSONL file, in file order.
    ///
    /// - Throws: ``DataError/unreadable(file:reason:)`` for a missing or non-UTF-8 file;
    ///   ``DataError/malformedLine(file:line:reason:)`` naming the file and line for invalid JSON,
    ///   a missing or mistyped field, an unknown role (allowed: system, user, assistant), an empty
    ///   conversation, or a record whose shape differs from the file's first record.
    public func read(from url: URL) throws(DataError) -> ReadResult<SFTRecord> {
        let file = url.lastPathComponent
        var accumulator = ReadAccumulator<SFTRecord>(skipMalformed: skipMalformed)
        var shape: (format: SFTRecord.Format, line: Int)?
        for (number, line) in TextFile.lines(try TextFile.read(url)) where !line.allSatisfy(\.isWhitespace) {
            try accumulator.add { () throws(DataError) -> SFTRecord? in
                let record = try Self.record(line, file: file, line: number)
                if let shape, shape.format != record.format {
                    throw DataError.malformedLine(
                        file: file, line: number,
                        reason: "a \(record.format) record in a file of \(shape.format) records (line \(shape.line)); "
                            + "a file holds one shape")
                }
                if shape == nil { shape = (record.format, number) }
                return record
            }
        }
        return accumulator.result
    }

    /// The splits of a folder holding `train.jsonl` and optionally `valid.jsonl` and `test.jsonl`.
    ///
    /// - Throws: ``DataError/unreadable(file:reason:)`` when `train.jsonl` is missing; the
    ///   errors of ``read(from:)`` for each file.
    public func read(folder: URL) throws(DataError) -> SFTDataSplits {
        func split(_ name: String) throws(DataError) -> ReadResult<SFTRecord>? {
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else { return nil }
            return try read(from: url)
        }
        guard let train = try split("train.jsonl") else {
            throw DataError.unreadable(file: "train.jsonl", reason: "no such file in \(folder.path)")
        }
        let validation = try split("valid.jsonl"), test = try split("test.jsonl")
        return SFTDataSplits(train: train.examples, validation: validation?.examples, test: test?.examples,
                             skippedCount: [train, validation, test].reduce(0) { $0 + ($1?.skippedCount ?? 0) })
    }

    /// The record of one line.
    static func record(_ line: Substring, file: String, line number: Int) throws(DataError) -> SFTRecord {
        func fail(_ reason: String) -> DataError { .malformedLine(file: file, line: number, reason: reason) }
        let value: Any
        do {
            value = try JSONSerialization.jsonObject(with: Data(line.utf8), options: [.fragmentsAllowed])
        } catch {
            throw fail("invalid JSON")
        }
        guard let object = value as? [String: Any] else { throw fail("expected a JSON object") }
        func string(_ object: [String: Any], _ field: String, in place: String = "") throws(DataError) -> String {
            switch object[field] {
            case let text as String: return text
            case nil: throw fail("\(place)missing field '\(field)'")
            default: throw fail("\(place)field '\(field)' is not a string")
            }
        }

        if let messages = object["messages"] {
            guard let list = messages as? [Any] else { throw fail("field 'messages' is not an array") }
            guard !list.isEmpty else { throw fail("field 'messages' is empty") }
            var conversation: [ChatMessage] = []
            conversation.reserveCapacity(list.count)
            for (index, element) in list.enumerated() {
                let place = "messages[\(index)]: "
                guard let message = element as? [String: Any] else { throw fail("\(place)not an object") }
                let role = try string(message, "role", in: place)
                guard SFTRecord.roles.contains(role) else {
                    throw fail("\(place)unknown role '\(role)' (expected system, user or assistant)")
                }
                conversation.append(ChatMessage(role: role, content: try string(message, "content", in: place)))
            }
            return .chat(conversation)
        }
        if object["prompt"] != nil || object["completion"] != nil {
            return .promptCompletion(prompt: try string(object, "prompt"), completion: try string(object, "completion"))
        }
        if object["text"] != nil { return .text(try string(object, "text")) }
        throw fail("no 'messages', 'prompt'/'completion' or 'text' field")
    }
}

/// The records of a `train.jsonl` / `valid.jsonl` / `test.jsonl` folder.
public struct SFTDataSplits: Sendable {
    /// The training records.
    public var train: [SFTRecord]
    /// The validation records (`valid.jsonl`), nil when the file is absent.
    public var validation: [SFTRecord]?
    /// The test records (`test.jsonl`), nil when the file is absent.
    public var test: [SFTRecord]?
    /// Malformed lines skipped over all files (0 unless the reader skips them).
    public var skippedCount: Int

    /// Splits of these records.
    public init(train: [SFTRecord], validation: [SFTRecord]? = nil, test: [SFTRecord]? = nil, skippedCount: Int = 0) {
        self.train = train
        self.validation = validation
        self.test = test
        self.skippedCount = skippedCount
    }
}
