import ArgumentParser
import Foundation
import Testing
@testable import ExampleCommandLine
@testable import ExampleSupport
import FineTuning

/// `finetune` and `predict` as a user meets them: their own CSV/JSONL files, labels found in the
/// file, a config file under the flags, clear messages for bad numbers, and a saved run that
/// `predict` labels texts with exactly as the run scored them.
@Suite struct FinetuneToolTests {
    private static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("finetune-tool-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    private static func write(_ text: String, _ name: String, in folder: URL) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    @Test func labelsAreFoundInTheTrainingFileAndCheckedElsewhere() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = LabeledFileReader(textColumn: "message", labelColumn: "kind")
        let csv = try Self.write("kind,message\nspam,win now\nham,see you\nbill,pay me\nham,\"hi, there\"\n", "t.csv", in: dir)
        let (examples, names) = try reader.readDiscoveringLabels(csv)
        #expect(names == ["bill", "ham", "spam"])   // sorted, as run_classification.py sorts them
        #expect(examples.map(\.label) == [2, 1, 0, 1] && examples[3].text == "hi, there")
        let jsonl = try Self.write("{\"message\": \"a\", \"kind\": 1}\n\n{\"message\": \"b\", \"kind\": 0}\n", "t.jsonl", in: dir)
        let numeric = try reader.readDiscoveringLabels(jsonl)
        #expect(numeric.classNames == ["0", "1"] && numeric.examples.map(\.label) == [1, 0])
        let validation = try Self.write("kind,message\nham,ok\nphish,click\n", "v.csv", in: dir)
        #expect(throws: DataError.unknownLabel(file: "v.csv", line: 3, label: "phish")) {
            _ = try reader.read(validation, classNames: names)
        }
        #expect(throws: ExampleError.self) { _ = try reader.read(dir.appendingPathComponent("x.parquet"), classNames: names) }
        #expect(throws: ExampleError.missingFile(path: dir.appendingPathComponent("none.csv").path)) {
            _ = try reader.read(dir.appendingPathComponent("none.csv"), classNames: names)
        }
    }

    @Test func withoutAValidationFileAStratifiedTenthIsHeldOut() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 100 rows, the 13 spam ones last.
        let rows = (0..<100).map { "\($0 < 87 ? "ham" : "spam"),message \($0)" }
        let train = try Self.write("label,text\n" + rows.joined(separator: "\n") + "\n", "train.csv", in: dir)
        var settings = RunSettings()
        settings.trainFile = train.path
        (settings.trainLimit, settings.validationLimit, settings.testLimit) = (0, 0, 0)
        let data = try ClassificationData.load(settings)
        #expect(data.classNames == ["ham", "spam"])
        #expect(data.validation.count == 10 && data.train.count == 90 && data.test == nil)
        #expect(ExampleSplit.classCounts(data.validation, classes: 2)[1] == 1)
        #expect(data.finalPart.name == "validation")
        #expect(data.summary.contains("labels (from train.csv, 2): ham, spam"))
        // A cap keeps the balance too.
        let capped = ClassificationData.capped(data.train, 30)
        #expect((3...5).contains(ExampleSplit.classCounts(capped, classes: 2)[1]))
    }

    /// The 48-message validation slice of the SMS set used to hold no spam (accuracy 1.0 by
    /// answering "ham"); the split is now stratified and so is every prefix.
    @Test func smallValidationSlicesHoldEveryClass() {
        let examples = (0..<5574).map { TextClassificationExample(text: "m\($0)", label: $0 < 4827 ? 0 : 1) }
        let split = ExampleSplit(examples, validationLimit: 48, testLimit: 96)
        let validationSpam = ExampleSplit.classCounts(split.validation, classes: 2)[1]
        let testSpam = ExampleSplit.classCounts(split.test, classes: 2)[1]
        #expect((5...8).contains(validationSpam), "validation spam \(validationSpam) of 48")
        #expect((11...15).contains(testSpam), "test spam \(testSpam) of 96")
    }

    @Test func configFilesInYAMLAndJSON() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = try Self.write("""
            # a comment
            train-file: data/train.csv   # trailing comment
            strategy: 'lora'
            learning_rate: 1e-3
            resume: true
            text-column: "the # text"
            targets: [query, value]
            label-column:
              - kind
            """, "c.yaml", in: dir)
        let config = try ConfigFile(contentsOf: yaml)
        #expect(config.values["train-file"] == .scalar("data/train.csv"))
        #expect(try config.string("strategy") == "lora" && config.double("learning-rate") == 1e-3 && config.bool("resume") == true)
        #expect(try config.string("text-column") == "the # text")
        #expect(config.strings("targets") == ["query", "value"] && config.strings("label-column") == ["kind"])
        #expect(throws: ExampleError.invalidConfig(file: yaml.path, line: nil, reason: "'label-column' must be a single value, not a list")) {
            _ = try config.string("label-column")
        }
        let json = try Self.write(#"{"steps": 40, "train_file": "a.jsonl", "resume": false, "targets": ["query"], "alpha": 8.5}"#, "c.json", in: dir)
        let parsed = try ConfigFile(contentsOf: json)
        #expect(try parsed.int("steps") == 40 && parsed.string("train-file") == "a.jsonl" && parsed.bool("resume") == false)
        #expect(try parsed.double("alpha") == 8.5 && parsed.strings("targets") == ["query"])
        let nested = try Self.write("model:\n  name: x\n", "bad.yaml", in: dir)
        let error = #expect(throws: ExampleError.self) { _ = try ConfigFile(contentsOf: nested) }
        #expect(error?.description.hasPrefix("\(nested.path):2: ") == true)
        #expect(throws: ExampleError.self) { try ConfigFile(path: "p", values: ["stepz": .scalar("1")]).checkKeys(FinetuneOptions.configKeys) }
    }

    @Test func flagsWinOverTheConfigFile() throws {
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let config = try Self.write("train-file: t.csv\nsteps: 40\nstrategy: bitfit\nrank: 4\nbatch-size: 8\n", "c.yaml", in: dir)
        let (s, strategy) = try FinetuneOptions.parse(["--config", config.path, "--steps", "7", "--strategy", "dora"]).resolved()
        #expect(strategy == .dora && s.steps == 7 && s.epochs == nil && s.loraRank == 4 && s.batchSize == 8 && s.trainFile == "t.csv")
        let defaults = try FinetuneOptions.parse(["--train-file", "t.csv"]).resolved()
        #expect(defaults.strategy == .lora && defaults.settings.epochs == 3 && defaults.settings.maxLength == 128)
    }

    /// `--steps -1` is a number to check, not a flag ("Missing value for '--steps <steps>'").
    @Test func badCountsSayWhatIsWrong() throws {
        func message(_ arguments: [String]) -> String {
            do {
                _ = try FinetuneOptions.parse(["--train-file", "t.csv"] + arguments).resolved()
                return "no error"
            } catch {
                return FinetuneOptions.message(for: error)
            }
        }
        #expect(message(["--steps", "-1"]) == "--steps must be in 1...10000000, got -1")
        #expect(message(["--steps", "0"]) == "--steps must be in 1...10000000, got 0")
        #expect(message(["--batch-size", "-4"]).hasPrefix("--batch-size must be in 1..."))
        #expect(message(["--grad-accumulation", "0"]).hasPrefix("--grad-accumulation must be in 1..."))
        #expect(message(["--warmup", "-1"]).hasPrefix("--warmup must be in 0..."))
        #expect(message(["--save-every", "-5"]).hasPrefix("--save-every must be in 0..."))
        #expect(message(["--rank", "-8"]).hasPrefix("--rank must be in 1..."))
        let noTrain = (try? FinetuneOptions.parse([]).resolved()) == nil
        #expect(noTrain)
        #expect(try TrainingOptions.parse(["--steps", "-1"]).steps == -1)   // parsed; RunSettings.validate checks the range
    }

    /// finetune → predict on a 24-row CSV, a few steps: the run folder holds run.json,
    /// result.json (with per-class metrics) and the adapter; `predict`'s labels score exactly the
    /// accuracy the run reported; `--resume` continues from the last checkpoint.
    @Test func finetuneThenPredict() throws {
        let model = packageRoot.appendingPathComponent("data/all-MiniLM-L6-v2")
        try #require(FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path),
                     "run `make model` for data/all-MiniLM-L6-v2")
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let spam = ["WIN a free prize now", "Claim your cash reward call now", "URGENT you won a holiday", "Free entry text WIN"]
        let ham = ["See you at lunch", "Can you pick up milk", "Running late sorry", "Thanks for dinner"]
        var rows: [String] = []
        for i in 0..<3 { for (s, h) in zip(spam, ham) { rows += ["spam,\(s) \(i)", "ham,\(h) \(i)"] } }
        let train = try Self.write("label,text\n" + rows.joined(separator: "\n") + "\n", "train.csv", in: dir)
        let test = try Self.write("label,text\nspam,Win cash now\nham,See you soon\nham,pick up milk\n", "test.csv", in: dir)
        let output = dir.appendingPathComponent("run")
        let arguments = ["--train-file", train.path, "--test-file", test.path, "--model", model.path, "--output", output.path,
                         "--steps", "2", "--batch-size", "4", "--max-length", "16", "--evaluate-every", "0", "--save-every", "1"]
        let (settings, strategy) = try FinetuneOptions.parse(arguments).resolved()
        let result = try FineTuneRun(settings: settings, strategy: strategy, log: { _ in }).run()
        #expect(result.steps == 2 && result.evaluatedOn == "test" && result.testExamples == 3)
        let metrics = try #require(result.testMetrics)
        #expect(metrics.classNames == ["ham", "spam"] && metrics.count == 3 && metrics.support == [2, 1])
        for file in ["run.json", "result.json", "adapter/adapter_config.json", "checkpoints/checkpoint-2"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }
        let saved = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: output.appendingPathComponent("result.json"))) as? [String: Any])
        #expect((saved["testMetrics"] as? [String: Any])?["confusion_matrix"] as? [[Int]] == metrics.confusion)

        let predictor = try Predictor(run: output)
        let predictions = predictor.predict(["Win cash now", "See you soon", "pick up milk"])
        #expect(predictions.allSatisfy { abs($0.probabilities.values.reduce(0, +) - 1) < 1e-5 && ["ham", "spam"].contains($0.label) })
        let correct = zip(predictions.map(\.label), ["spam", "ham", "ham"]).filter { $0 == $1 }.count
        #expect(Double(correct) / 3 == result.testAccuracy)
        let line = Predictor.jsonLine(predictions[0])
        #expect(line.hasPrefix("{\"label\":\"") && line.contains("\"probabilities\":{\"ham\":") && line.hasSuffix("\"text\":\"Win cash now\"}"))

        let resumed = try FinetuneOptions.parse(arguments.map { $0 == "2" ? "3" : $0 } + ["--resume"]).resolved()
        let more = try FineTuneRun(settings: resumed.settings, strategy: resumed.strategy, log: { _ in }).run()
        #expect(more.steps == 3)
    }

    /// `mpirun -np 2 finetune` (the built program): data parallel by itself under mpirun;
    /// process 0 alone prints the report and writes the run folder.
    @Test func finetuneRunsDataParallelUnderMPIRun() throws {
        let model = packageRoot.appendingPathComponent("data/all-MiniLM-L6-v2")
        try #require(FileManager.default.fileExists(atPath: model.appendingPathComponent("model.safetensors").path),
                     "run `make model` for data/all-MiniLM-L6-v2")
        let dir = try Self.folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rows = (0..<16).map { $0 % 2 == 0 ? "spam,WIN a free prize \($0)" : "ham,See you at lunch \($0)" }
        let train = try Self.write("label,text\n" + rows.joined(separator: "\n") + "\n", "train.csv", in: dir)
        let output = dir.appendingPathComponent("run")
        let job = try mpirunTwoProcesses("finetune", [
            "--train-file", train.path, "--model", model.path, "--output", output.path, "--steps", "2",
            "--batch-size", "2", "--max-length", "16", "--evaluate-every", "0"], log: dir.appendingPathComponent("mpi.log"))
        let text = job.output
        #expect(job.status == 0, "\(text)")
        #expect(text.components(separatedBy: "strategy:            ").count == 2, "one report, from process 0: \(text)")
        for file in ["run.json", "result.json", "adapter/adapter_config.json"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }
    }
}
