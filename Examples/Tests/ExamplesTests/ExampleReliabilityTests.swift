import Foundation
import Testing
import ExampleSupport
import FineTuning
import TensorKit

/// Command-line numbers and signals, as the example programs meet them.
@Suite struct ExampleReliabilityTests {
    @Test func countFlagsHaveRanges() {
        func message(_ change: (inout RunSettings) -> Void) -> String? {
            var settings = RunSettings()
            change(&settings)
            do { try settings.validate(); return nil } catch { return error.description }
        }
        #expect(message { _ in } == nil)
        #expect(message { $0.steps = .max }?.hasPrefix("--steps must be in 1...") == true)
        #expect(message { $0.epochs = .max }?.hasPrefix("--epochs must be in 1...") == true)
        #expect(message { $0.batchSize = .max }?.hasPrefix("--batch-size must be in 1...") == true)
        #expect(message { $0.loraRank = 100_000_000 }?.hasPrefix("--rank must be in 1...") == true)
        #expect(message { $0.topBlocks = -1 }?.hasPrefix("--top-blocks must be in 0...") == true)
        #expect(message { $0.loraAlpha = .infinity }?.hasPrefix("--alpha must be positive") == true)
        #expect(message { $0.epochs = RunSettings.limits.epochs } == nil)
        #expect(message { $0.loraRank = RunSettings.limits.loraRank } == nil)
    }

    /// A SIGTERM to the parent reaches the child, and the parent then ends by that signal
    /// (rather than waiting out the child's 30 seconds). The body runs on a pool thread that
    /// blocks signals, which the child must not inherit.
    @Test func signalsReachTheChild() async {
        await #expect(processExitsWith: .signal(SIGTERM)) {
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 0.5)
                kill(getpid(), SIGTERM)
            }
            Thread.detachNewThread {
                Thread.sleep(forTimeInterval: 10)
                exit(3)   // the child was not stopped
            }
            _ = try? ChildProcess.run(URL(fileURLWithPath: "/bin/sleep"), arguments: ["30"])
            exit(4)   // returned instead of ending by the signal
        }
    }

    @Test func childStatusIsReturned() throws {
        #expect(try ChildProcess.run(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c", "exit 7"]) == 7)
        #expect(try ChildProcess.run(URL(fileURLWithPath: "/bin/true"), arguments: []) == 0)
    }

    /// A label outside the task's classes names its file and line (a `2` used to trap in
    /// cross-entropy, a `yes` to become class 0).
    @Test func spamLabelsOutsideTheClassesAreRefused() throws {
        for (bad, line) in [("2", 3), ("yes", 3)] {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let csv = ",spam,text\n0,0,fine\n1,\(bad),odd label\n2,1,WIN NOW\n"
            try csv.write(to: folder.appendingPathComponent("sms-spam.csv"), atomically: true, encoding: .utf8)
            let error = #expect(throws: DataError.self) { _ = try ExampleTask.spam.load(from: folder) }
            #expect(error == .unknownLabel(file: "sms-spam.csv", line: line, label: bad) || "\(String(describing: error))".contains(":\(line)"),
                    "\(String(describing: error))")
        }
        // Words naming the classes are accepted too.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try ",spam,text\n0,ham,fine\n1,spam,WIN\n".write(to: folder.appendingPathComponent("sms-spam.csv"), atomically: true, encoding: .utf8)
        #expect(try ExampleTask.spam.load(from: folder).map(\.label) == [0, 1])
    }

    /// A growing label map hands out only indices below its size, digits included.
    @Test func growingLabelMapsCoverEveryIndex() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labels-\(UUID().uuidString).csv")
        try "text,label\na,0\nb,2\nc,1\n".write(to: folder, atomically: true, encoding: .utf8)
        var labels = LabelMap()
        let result = try CSVReader().readClassification(from: folder, labels: &labels)
        #expect(result.examples.map(\.label) == [0, 2, 1])
        #expect(labels.names == ["0", "1", "2"])
        try "text,label\na,99999999999\n".write(to: folder, atomically: true, encoding: .utf8)
        var huge = LabelMap()
        _ = try CSVReader().readClassification(from: folder, labels: &huge)
        #expect(huge.names == ["99999999999"])   // a name, not a class count
    }

    // MARK: The command-line programs, as a user runs them (built beside this test bundle)

    /// Runs a program of this package with `arguments` and `input` on stdin.
    private func runProgram(_ name: String, _ arguments: [String], input: String = "") throws -> (status: Int32, out: String, err: String) {
        let folder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        let executable = folder.appendingPathComponent(name)
        try #require(FileManager.default.fileExists(atPath: executable.path), "\(executable.path) was not built")
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile(), err = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    /// A model whose weights are NaN: `embed` refuses (non-zero exit, the line named) instead of
    /// printing `nan`, which is not JSON.
    @Test func embedRefusesNonFiniteOutput() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nan-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let config: [String: Any] = ["model_type": "bert", "vocab_size": 12, "hidden_size": 8, "num_hidden_layers": 1,
                                     "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 16]
        try JSONSerialization.data(withJSONObject: config).write(to: folder.appendingPathComponent("config.json"))
        try ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the", "cat", "##s", ",", "!"].joined(separator: "\n")
            .write(to: folder.appendingPathComponent("vocab.txt"), atomically: true, encoding: .utf8)
        let encoder = Encoder(try BertConfig(contentsOf: folder.appendingPathComponent("config.json")).encoderConfig(),
                              generator: Generator(seed: 1))
        var weights = BertNameMapping.huggingFaceStateDict(fromOurs: encoder.stateDict())
        weights["embeddings.word_embeddings.weight"] = Tensor.full([12, 8], value: .nan)
        try SafeTensors.save(weights, to: folder.appendingPathComponent("model.safetensors"), durable: false)

        let run = try runProgram("embed", ["--model", folder.path], input: "hello world\nthe cats\n")
        #expect(run.status != 0)
        #expect(run.out.isEmpty, "\(run.out)")
        #expect(run.err.contains("non-finite") && run.err.contains("line 1"), "\(run.err)")
    }

    /// embed-benchmark's numbers and files are checked with a usage message (argument-parser's
    /// exit status 64), not a trap; a negative number is a value to check, not a flag.
    @Test func embedBenchmarkChecksItsArguments() throws {
        for (arguments, expected) in [(["data", "/etc/hostname", "--batch-size", "x"], "'x' is invalid for '--batch-size"),
                                      (["data", "/etc/hostname", "--batch-size", "0"], "--batch-size must be in 1...65536, got 0"),
                                      (["data", "/etc/hostname", "--max-length", "-1"], "--max-length must be in 3...512, got -1"),
                                      (["data", "/nonexistent-sentences"], "cannot read sentences"),
                                      (["only-one"], "Missing expected argument '<sentences-file>'")] {
            let run = try runProgram("embed-benchmark", arguments)
            #expect(run.status == 64, "\(arguments)")
            #expect(run.err.contains(expected) && run.err.contains("Usage:"), "\(arguments): \(run.err)")
        }
    }

    /// What a newcomer types first: `--help` everywhere, flags a program lists are flags it uses,
    /// and a negative count is named with its range.
    @Test func helpAndCountMessages() throws {
        let demo = try runProgram("demo", ["--help"])
        #expect(demo.status == 0 && demo.out.contains("OVERVIEW") && demo.out.contains("USAGE: demo"), "\(demo.out)")
        #expect(try runProgram("demo", ["--steps", "3"]).status == 2)
        let switching = try runProgram("adapter-switching", ["--help"])
        #expect(switching.status == 0 && !switching.out.contains("--task") && switching.out.contains("--rank"), "\(switching.out)")
        let finetune = try runProgram("finetune", ["--help"])
        #expect(finetune.out.contains("--train-file") && finetune.out.contains("--max_steps") && finetune.out.contains("mlx-lm: --iters"), "\(finetune.out)")
        for (program, arguments, expected) in [
            ("finetune", ["--train-file", "t.csv", "--steps", "-1"], "--steps must be in 1...10000000, got -1"),
            ("finetune", ["--train-file", "t.csv", "--grad-accumulation", "0"], "--grad-accumulation must be in 1..."),
            ("finetune", ["--steps", "5"], "--train-file is required"),
            ("full-finetune", ["--steps", "-3"], "--steps must be in 1...10000000, got -3"),
            ("lora-finetune", ["--rank", "-8", "--steps", "1"], "--rank must be in 1..."),
            ("predict", ["/nonexistent-run"], "/nonexistent-run/run.json: no such file"),
        ] {
            let run = try runProgram(program, arguments)
            #expect(run.status != 0 && run.err.contains(expected), "\(program) \(arguments): \(run.err)")
            #expect(!run.err.contains("Missing value"), "\(program) \(arguments): \(run.err)")
        }
    }
}
