import Foundation
import FineTuning

/// The examples one classification run uses — train, validation and (optionally) test parts and
/// the class names — from a built-in task (``ExampleSplit``) or from the user's own files.
public struct ClassificationData {
    /// A part: a view of some examples.
    public typealias Part = DatasetSubset<ArrayDataset<TextClassificationExample>>

    /// Class names by index.
    public var classNames: [String]
    /// Examples to train on.
    public var train: Part
    /// Examples evaluated during training.
    public var validation: Part
    /// Held-out examples for the final report (nil: no test file was given).
    public var test: Part?
    /// What was read and how it was split, as printed in the banner.
    public var summary: String

    /// The part the final report is computed on, and its name.
    public var finalPart: (name: String, part: Part) { test.map { ("test", $0) } ?? ("validation", validation) }

    /// The data `settings` names: its files when ``RunSettings/trainFile`` is set, else its task.
    public static func load(_ settings: RunSettings) throws -> ClassificationData {
        guard let trainFile = settings.trainFile else {
            let split = ExampleSplit(try settings.task.load(from: URL(fileURLWithPath: settings.dataDirectory)),
                                     trainLimit: settings.trainLimit, validationLimit: settings.validationLimit,
                                     testLimit: settings.testLimit)
            return ClassificationData(classNames: settings.task.classNames, train: split.train, validation: split.validation,
                                      test: split.test, summary: split.summary(classNames: settings.task.classNames))
        }
        let files = LabeledFileReader(textColumn: settings.textColumn, labelColumn: settings.labelColumn)
        let (trainExamples, classNames) = try files.readDiscoveringLabels(URL(fileURLWithPath: trainFile))
        guard classNames.count >= 2 else {
            throw ExampleError.invalidOption("\(trainFile): found \(classNames.count) label(s) in column '\(settings.labelColumn)' (\(classNames.joined(separator: ", "))); classification needs at least 2")
        }
        let all = ArrayDataset(trainExamples)
        var train = DatasetSubset(all, indices: Array(0..<all.count))
        var validation: Part
        var notes = ["labels (from \(URL(fileURLWithPath: trainFile).lastPathComponent), \(classNames.count)): \(classNames.joined(separator: ", "))"]
        if let file = settings.validationFile {
            let examples = ArrayDataset(try files.read(URL(fileURLWithPath: file), classNames: classNames))
            validation = DatasetSubset(examples, indices: Array(0..<examples.count))
        } else {
            let parts = all.stratifiedSplit(validation: 0.1, seed: ExampleSplit.defaultSeed)
            train = parts.train
            validation = parts.validation
            notes.append("no --validation-file: a stratified 10% of the training file is held out for validation")
        }
        var test: Part? = nil
        if let file = settings.testFile {
            let examples = ArrayDataset(try files.read(URL(fileURLWithPath: file), classNames: classNames))
            test = DatasetSubset(examples, indices: Array(0..<examples.count))
        } else {
            notes.append("no --test-file: the final report is on the validation data")
        }
        train = capped(train, settings.trainLimit)
        validation = capped(validation, settings.validationLimit)
        test = test.map { capped($0, settings.testLimit) }
        guard validation.count > 0 else {
            throw ExampleError.invalidOption("\(settings.validationFile ?? trainFile): no validation examples (the training file has \(all.count))")
        }
        func describe(_ part: Part) -> String {
            let counts = ExampleSplit.classCounts(part, classes: classNames.count)
            return "\(part.count) (" + zip(classNames, counts).map { "\($0): \($1)" }.joined(separator: ", ") + ")"
        }
        var used = "used: train \(describe(train)), validation \(describe(validation))"
        if let test { used += ", test \(describe(test))" }
        return ClassificationData(classNames: classNames, train: train, validation: validation, test: test,
                                  summary: (notes + [used]).joined(separator: "\n"))
    }

    /// At most `limit` examples of `part` (nil or 0: all), chosen so that the classes keep their
    /// proportions: the prefix of a seeded stratified order (``Shuffle/stratifiedPermutation(labels:seed:)``).
    public static func capped(_ part: Part, _ limit: Int?) -> Part {
        guard let limit, limit > 0, limit < part.count else { return part }
        let order = Shuffle.stratifiedPermutation(labels: part.indices.map { part.base.example(at: $0).label },
                                                  seed: ExampleSplit.defaultSeed)
        return DatasetSubset(part.base, indices: order.prefix(limit).map { part.indices[$0] })
    }
}

/// Reads labelled text from CSV, TSV or JSON Lines files (chosen by the extension: `.csv`,
/// `.tsv`, `.jsonl`/`.json`/`.ndjson`) through the library's ``CSVReader`` and ``JSONLReader``.
public struct LabeledFileReader {
    /// The text column (CSV/TSV header) or field (JSONL).
    public var textColumn: String
    /// The label column or field.
    public var labelColumn: String

    /// A reader of these columns.
    public init(textColumn: String, labelColumn: String) {
        self.textColumn = textColumn
        self.labelColumn = labelColumn
    }

    /// The examples of `url` and the class names found in it: sorted (as Hugging Face's
    /// `run_classification.py` sorts them) unless they are class indices `0`, `1`, …, which keep
    /// their numeric order.
    public func readDiscoveringLabels(_ url: URL) throws -> (examples: [TextClassificationExample], classNames: [String]) {
        var labels = LabelMap()
        let examples = try read(url, labels: &labels)
        let found = labels.names
        if found.enumerated().allSatisfy({ $0.element == String($0.offset) }) { return (examples, found) }
        let sorted = found.sorted()
        let position = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($0.element, $0.offset) })
        let newIndex = found.map { position[$0] ?? 0 }
        return (examples.map { TextClassificationExample(text: $0.text, label: newIndex[$0.label]) }, sorted)
    }

    /// The examples of `url`, whose labels must be among `classNames` (an unknown one throws,
    /// naming the file and line).
    public func read(_ url: URL, classNames: [String]) throws -> [TextClassificationExample] {
        var labels = LabelMap(names: classNames)
        return try read(url, labels: &labels)
    }

    private func read(_ url: URL, labels: inout LabelMap) throws -> [TextClassificationExample] {
        guard FileManager.default.fileExists(atPath: url.path) else { throw ExampleError.missingFile(path: url.path) }
        let examples: [TextClassificationExample]
        switch url.pathExtension.lowercased() {
        case "csv":
            examples = try CSVReader(textColumn: .name(textColumn), labelColumn: .name(labelColumn))
                .readClassification(from: url, labels: &labels).examples
        case "tsv":
            examples = try CSVReader.tsv(textColumn: .name(textColumn), labelColumn: .name(labelColumn))
                .readClassification(from: url, labels: &labels).examples
        case "jsonl", "json", "ndjson":
            examples = try JSONLReader(textField: textColumn, labelField: labelColumn)
                .readClassification(from: url, labels: &labels).examples
        default:
            throw ExampleError.invalidOption("\(url.path): unknown file type '.\(url.pathExtension)' (use .csv, .tsv or .jsonl)")
        }
        guard !examples.isEmpty else { throw DataError.unreadable(file: url.path, reason: "no examples in the file") }
        return examples
    }
}
