import ExampleSupport
import Foundation
import LLMSupport

/// Everything that sizes one `compare-rag` run; every child process rebuilds the same knowledge
/// and questions from these (all draws are seeded).
public struct RAGRunSettings: Codable, Sendable, Equatable {
    /// SmolLM2-135M-Instruct (GGUF).
    public var model = LLMPaths.defaultModel
    /// all-MiniLM-L6-v2 (what `make model` fetched).
    public var embedder = LLMPaths.packageRoot.appendingPathComponent("data/all-MiniLM-L6-v2").path
    /// The GeoNames places (what `make data` extracted).
    public var cities = LLMPaths.packageRoot.appendingPathComponent("data/cities-us.csv").path
    /// Cities the paths know (trained and indexed).
    public var knownCities = 100
    /// Cities the fine-tuned model is taught to abstain on.
    public var abstainCities = 30
    /// Cities nobody knows (the abstain/hallucination test).
    public var unknownCities = 40
    /// Facts changed by the update.
    public var changedFacts = 100
    /// The most questions of each test set (seen, unseen phrasing, unknown).
    public var questionLimit = 150
    /// Passes over the training records (one pass shows each fact three times, once per trained
    /// phrasing).
    public var epochs = 1.0
    /// Passes over the update's records when retraining.
    public var retrainEpochs = 1.0
    /// Examples per optimizer step.
    public var batchSize = 16
    /// LoRA's peak learning rate.
    public var learningRate = 2e-3
    /// Whether the full fine-tuning row runs (training every weight takes about twice LoRA's time
    /// and writes the whole model, 540 MB, twice).
    public var fullFineTuning = true
    /// Full fine-tuning's peak learning rate (every weight moves, so far smaller than LoRA's).
    public var fullLearningRate = 1e-4
    /// Passages retrieved into each prompt.
    public var topK = 3
    /// Questions answered one at a time to measure latency.
    public var latencySamples = 20
    /// Passages (one per city) of the index comparison: exact flat vs FAISS HNSW and IVF.
    public var indexCities = 2000
    /// Questions searched in the index comparison.
    public var indexQuestions = 500
    /// The seed of every draw.
    public var seed: UInt64 = 0
    /// Where the comparison and each path's files go.
    public var output = "runs/compare-rag"

    /// The defaults: the full comparison.
    public init() {}

    /// The CI smoke test: a handful of cities, one short training run, a few questions.
    public static var quick: RAGRunSettings {
        var s = RAGRunSettings()
        s.knownCities = 8
        s.abstainCities = 2
        s.unknownCities = 4
        s.changedFacts = 6
        s.questionLimit = 16
        s.batchSize = 8
        s.latencySamples = 3
        s.indexCities = 200
        s.indexQuestions = 50
        return s
    }

    /// The paths this run serves, in order.
    public var paths: [RAGPath] { RAGPath.allCases.filter { fullFineTuning || !$0.usesFullWeights } }
    /// The training parts this run needs.
    public var trainings: [FactTrainingKind] { FactTrainingKind.allCases.filter { fullFineTuning || $0 != .full } }

    /// The folder of one path's (or the training's) files.
    public func folder(_ name: String) -> URL { URL(fileURLWithPath: output).appendingPathComponent(name, isDirectory: true) }

    /// - Throws: ``ExampleError/invalidOption(_:)`` for a count that cannot work.
    public func validate() throws {
        for (name, value) in [("known cities", knownCities), ("unknown cities", unknownCities), ("question limit", questionLimit),
                              ("batch size", batchSize), ("top-k", topK),
                              ("index cities", indexCities), ("index questions", indexQuestions)] where value <= 0 {
            throw ExampleError.invalidOption("compare-rag: \(name) must be positive, got \(value)")
        }
        guard abstainCities >= 0, latencySamples >= 0, changedFacts >= 0, changedFacts <= knownCities * CityFact.allCases.count else {
            throw ExampleError.invalidOption("compare-rag: changed facts must be in 0...\(knownCities * CityFact.allCases.count)")
        }
        guard epochs > 0, retrainEpochs > 0, learningRate > 0, learningRate < 1, fullLearningRate > 0, fullLearningRate < 1 else {
            throw ExampleError.invalidOption("compare-rag: epochs and the learning rate must be positive")
        }
    }
}
