// compare-rag — fine-tuning or RAG? The same knowledge (US city facts from GeoNames) answered by
// SmolLM2-135M-Instruct five ways: closed book (untuned), fine-tuned (LoRA, and every weight), RAG (untuned model,
// all-MiniLM-L6-v2 retrieval, top-k passages in the prompt) and fine-tuned + RAG. Measures
// accuracy on trained phrasings and on a held-out phrasing, abstaining vs making up an answer on
// cities nobody knows, accuracy after changing facts (and what taking the change in costs),
// latency, peak memory and what each path keeps on disk; and how FAISS's approximate indexes
// (HNSW, IVF-Flat) compare with the exact flat index on 2,000 city passages (recall@10, time).
//
// Training runs in one child process and each path is served in another (`--only NAME`), so each
// peak-memory figure (VmHWM, process-wide and never decreasing) is that path's own.
//
//   make llm model data
//   swift run --package-path Examples -c release compare-rag                # the full comparison
//   swift run --package-path Examples -c release compare-rag --quick        # a few minutes (CI)
import ArgumentParser
import ExampleSupport
import Foundation
import RAGSupport

struct CompareRAG: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare-rag",
        abstract: "Fine-tuning or RAG: SmolLM2-135M-Instruct answers US city facts closed-book, fine-tuned (LoRA, full), with retrieval and both.")

    @Flag(help: "A smoke test (CI): 8 cities, 6 changed facts, 16 questions per test set.")
    var quick = false

    @Option(help: "Cities the paths know (default 100; quick 8).")
    var knownCities: Int?

    @Option(help: "Facts the update changes (default 100; quick 6).")
    var changedFacts: Int?

    @Option(help: "The most questions per test set (default 150; quick 16).")
    var questionLimit: Int?

    @Option(help: "Passes over the training records (default 1: each fact once per trained phrasing).")
    var epochs: Double?

    @Flag(inversion: .prefixedNo, help: "Include the full fine-tuning row (every weight trains; about twice LoRA's training time).")
    var fullFineTuning = true

    @Option(help: "Seed of every draw and of training.")
    var seed: UInt64 = 0

    @Option(help: "Output folder for comparison.md, comparison.json, comparison.svg and each path's files.")
    var output = "runs/compare-rag"

    @Option(help: "Run only this part, in this process (used by the parent run): training, training-full, a path, or index.")
    var only: String?

    var settings: RAGRunSettings {
        var s = quick ? RAGRunSettings.quick : RAGRunSettings()
        if let knownCities { s.knownCities = knownCities }
        if let changedFacts { s.changedFacts = changedFacts }
        if let questionLimit { s.questionLimit = questionLimit }
        if let epochs { s.epochs = epochs }
        s.fullFineTuning = fullFineTuning
        s.seed = seed
        s.output = output
        return s
    }

    func validate() throws {
        do { try settings.validate() } catch { throw ValidationError("\(error)") }
        if let only, FactTrainingKind(rawValue: only) == nil, only != "index", RAGPath(rawValue: only) == nil {
            throw ValidationError("--only: 'training', 'training-full', 'index' or one of \(RAGPath.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let settings = settings
        if let only {
            let experiment = try RAGExperiment(cities: try City.read(from: URL(fileURLWithPath: settings.cities)), settings: settings)
            let run = RAGPathRun(settings: settings)
            if let path = RAGPath(rawValue: only) {
                _ = try run.serve(path, experiment)
            } else if let kind = FactTrainingKind(rawValue: only) {
                _ = try run.train(experiment, kind: kind)
            } else {
                _ = try run.compareIndexes(cities: try City.read(from: URL(fileURLWithPath: settings.cities)))
            }
            return
        }
        for (file, fix) in [(settings.model, "make llm"), (settings.embedder, "make model"), (settings.cities, "make data")]
        where !FileManager.default.fileExists(atPath: file) {
            throw ValidationError("\(file) is missing: run `\(fix)`")
        }
        // Fail early, before any child starts: the file reads and the draw fits.
        _ = try RAGExperiment(cities: try City.read(from: URL(fileURLWithPath: settings.cities)), settings: settings)
        let start = Date()
        let parts = settings.trainings.map(\.rawValue) + settings.paths.map(\.rawValue) + ["index"]
        for (i, part) in parts.enumerated() {
            print("\n===== [\(i + 1)/\(parts.count)] \(part) =====")
            fflush(nil)
            let resultURL = settings.folder(part).appendingPathComponent("result.json")
            try? FileManager.default.removeItem(at: resultURL)
            let status = try ChildProcess.run(URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath(),
                                              arguments: Array(CommandLine.arguments.dropFirst()) + ["--only", part])
            guard status == 0, FileManager.default.fileExists(atPath: resultURL.path) else {
                throw ExampleError.childFailed(strategy: part, status: status, detail: "see its output above")
            }
        }
        let decoder = JSONDecoder()
        let training = try decoder.decode(FactTrainingResult.self, from: Data(contentsOf: settings.folder("training").appendingPathComponent("result.json")))
        let fullTraining = try settings.fullFineTuning ? decoder.decode(FactTrainingResult.self,
            from: Data(contentsOf: settings.folder(FactTrainingKind.full.rawValue).appendingPathComponent("result.json"))) : nil
        let rows = try settings.paths.map {
            try decoder.decode(RAGPathResult.self, from: Data(contentsOf: settings.folder($0.rawValue).appendingPathComponent("result.json")))
        }
        let indexes = try decoder.decode(IndexRecallReport.self, from: Data(contentsOf: settings.folder("index").appendingPathComponent("result.json")))
        let report = RAGComparisonReport(rows: rows, training: training, fullTraining: fullTraining, indexes: indexes, settings: settings, machine: machineDescription(),
                                         totalSeconds: Date().timeIntervalSince(start))
        try report.write(to: URL(fileURLWithPath: output))
        print("\nmachine: \(report.machine)\n")
        print(report.markdownTable())
        print(indexes.markdownTable())
        print("whole comparison: \(String(format: "%.0f", report.totalSeconds)) s")
        print("wrote \(output)/comparison.md, comparison.json and comparison.svg")
    }
}

CompareRAG.main()
