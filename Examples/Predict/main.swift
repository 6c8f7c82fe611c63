// predict: labels texts with a run saved by `finetune` (base model + adapter or trained tensors +
// head + label names, from the run folder's run.json). Reads one text per line from --input or
// stdin and prints one JSON object per line: the label, its probability (score), every class's
// probability, and the text.
//
//   swift run --package-path Examples -c release predict runs/finetune --input texts.txt
//   echo "WINNER! Call now to claim your prize" | swift run --package-path Examples -c release predict runs/finetune
import ArgumentParser
import ExampleSupport
import Foundation

struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Labels texts (one per line, from a file or stdin) with a run saved by finetune; prints JSON lines.",
        discussion: """
            Each output line is {"label": …, "probabilities": {class: p, …}, "score": p(label), "text": …}. \
            Empty lines are skipped. Input is read to its end, then labelled in batches.
            """)

    @Argument(help: ArgumentHelp("The run folder finetune wrote (--output; it holds run.json).", valueName: "run-folder"))
    var runFolder: String

    @Option(help: ArgumentHelp("A text file, one text per line (default: stdin).", valueName: "file"))
    var input: String?

    @Option(help: ArgumentHelp("The base model folder, if it moved since training (default: the one run.json names).", valueName: "folder"))
    var model: String?

    @Option(parsing: .unconditional, help: "Texts per forward pass.")
    var batchSize = 32

    func validate() throws {
        guard (1...4096).contains(batchSize) else { throw ValidationError("--batch-size must be in 1...4096, got \(batchSize)") }
    }

    func run() throws {
        let predictor = try Predictor(run: URL(fileURLWithPath: runFolder), modelDirectory: model)
        var texts: [String] = []
        if let input {
            guard let contents = try? String(contentsOfFile: input, encoding: .utf8) else {
                throw ExampleError.missingFile(path: input)
            }
            texts = contents.split(whereSeparator: \.isNewline).map(String.init)
        } else {
            while let line = readLine() { texts.append(line) }
        }
        texts = texts.filter { !$0.allSatisfy(\.isWhitespace) }
        for prediction in predictor.predict(texts, batchSize: batchSize) { print(Predictor.jsonLine(prediction)) }
    }
}

Predict.main()
