import ExampleSupport
import FineTuning
import Foundation
import Retrieval

/// The knowledge, questions and update of one comparison, rebuilt identically in every process.
public struct RAGExperiment: Sendable {
    /// The cities.
    public var knowledge: CityKnowledge
    /// The training records and the test questions.
    public var questions: CityQuestionSet
    /// The changed facts.
    public var changes: [FactChange]
    /// The known cities after the update.
    public var updatedCities: [City]
    /// Questions about the changed facts (new values expected).
    public var updateQuestions: [CityQuestion]
    /// What retrains the fine-tuned model on the update.
    public var retrainRecords: [SFTRecord]

    /// Draws everything from `cities` as `settings` say.
    public init(cities: [City], settings: RAGRunSettings) throws {
        knowledge = try CityKnowledge.draw(from: cities, known: settings.knownCities, abstain: settings.abstainCities,
                                           unknown: settings.unknownCities, seed: settings.seed)
        questions = CityQuestionSet(knowledge: knowledge, limit: settings.questionLimit, seed: settings.seed)
        (updatedCities, changes) = knowledge.updated(changing: settings.changedFacts, seed: settings.seed)
        (updateQuestions, retrainRecords) = CityQuestionSet.update(changes, knowledge: knowledge, seed: settings.seed)
    }

    /// The passages of the cities whose facts changed, as they read after the update.
    public var changedPassages: [Passage] {
        let changed = Set(changes.map(\.city.id))
        return updatedCities.filter { changed.contains($0.id) }.map(CityKnowledge.passage(for:))
    }
}

/// The work of one child process of `compare-rag`: training, or serving one path.
public struct RAGPathRun {
    /// The settings (the same in every process).
    public var settings: RAGRunSettings
    /// Where progress lines go.
    public var log: (String) -> Void

    /// A run with `settings`.
    public init(settings: RAGRunSettings, log: @escaping (String) -> Void = { print($0); fflush(nil) }) {
        self.settings = settings
        self.log = log
    }

    /// What a training part writes: the adapter (LoRA) or the trained weights (full), before and
    /// after the update.
    func artifact(_ kind: FactTrainingKind, updated: Bool) -> URL {
        switch kind {
        case .lora: settings.folder(kind.rawValue).appendingPathComponent(updated ? "adapter-updated" : "adapter", isDirectory: true)
        case .full: settings.folder(kind.rawValue).appendingPathComponent(updated ? "trained-updated.safetensors" : "trained.safetensors")
        }
    }

    /// Trains on the facts (LoRA, or every weight), saves the result, retrains it on the update,
    /// saves that too.
    public func train(_ experiment: RAGExperiment, kind: FactTrainingKind = .lora) throws -> FactTrainingResult {
        let llm = try PretrainedLLM(contentsOf: URL(fileURLWithPath: settings.model))
        let training = try FactTraining(llm: llm, kind: kind, batchSize: settings.batchSize,
                                        learningRate: kind == .full ? settings.fullLearningRate : settings.learningRate,
                                        seed: settings.seed, log: log)
        let trainSeconds = try training.train(experiment.questions.train, epochs: settings.epochs)
        try save(llm.model, kind, to: artifact(kind, updated: false))
        log(String(format: "trained in %.0f s; retraining on %d changed facts", trainSeconds, experiment.changes.count))
        let retrainSeconds = experiment.retrainRecords.isEmpty ? 0
            : try training.train(experiment.retrainRecords, epochs: settings.retrainEpochs)
        try save(llm.model, kind, to: artifact(kind, updated: true))
        let result = FactTrainingResult(trainSeconds: trainSeconds, retrainSeconds: retrainSeconds,
                                        peakRSSBytes: ProcessMemory.peakResidentBytes() ?? 0,
                                        records: experiment.questions.train.count, retrainRecords: experiment.retrainRecords.count)
        try RAGPathResult.encoder.encode(result).write(to: settings.folder(kind.rawValue).appendingPathComponent("result.json"), options: .atomic)
        return result
    }

    /// The adapter in PEFT's layout, or every weight as float32 safetensors.
    private func save(_ model: GPT, _ kind: FactTrainingKind, to url: URL) throws {
        switch kind {
        case .lora: try model.saveHuggingFaceAdapter(to: url)
        case .full:
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try SafeTensors.save(Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.name, $0.tensor) }), to: url)
        }
    }

    /// Puts the trained adapter or weights of `kind` into `model` (replacing the earlier ones).
    private func load(_ kind: FactTrainingKind, updated: Bool, into model: GPT) throws {
        switch kind {
        case .lora:
            if updated { try model.deleteAdapter("default") }
            try model.loadHuggingFaceAdapter(from: artifact(kind, updated: updated))
        case .full:
            _ = try model.load(contentsOf: artifact(kind, updated: updated))
        }
    }

    /// Serves `path`: loads the model (and adapter, and index), answers every test set, measures
    /// latency one question at a time, takes the update in and answers the changed facts.
    public func serve(_ path: RAGPath, _ experiment: RAGExperiment) throws -> RAGPathResult {
        let modelURL = URL(fileURLWithPath: settings.model)
        let folder = settings.folder(path.rawValue)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let llm = try PretrainedLLM(contentsOf: modelURL)
        var disk = ["model": diskSize(of: modelURL)]
        var training: FactTrainingResult?
        if let kind = path.training {
            try load(kind, updated: false, into: llm.model)
            disk[kind == .lora ? "adapter" : "weights"] = diskSize(of: artifact(kind, updated: false))
            training = try JSONDecoder().decode(FactTrainingResult.self,
                                                from: Data(contentsOf: settings.folder(kind.rawValue).appendingPathComponent("result.json")))
        }
        var store: PassageStore?
        var buildSeconds = training?.trainSeconds ?? 0
        if path.usesRetrieval {
            let embedderURL = URL(fileURLWithPath: settings.embedder)
            let passages = PassageStore(embedder: try SentenceEmbedder(directory: embedderURL))
            buildSeconds = try passages.upsert(experiment.knowledge.known.map(CityKnowledge.passage(for:))).totalSeconds
            let indexFolder = folder.appendingPathComponent("index", isDirectory: true)
            try passages.save(to: indexFolder)
            disk["embedder"] = diskSize(of: embedderURL)
            disk["index"] = diskSize(of: indexFolder)
            store = passages
            log(String(format: "%@: indexed %d passages in %.2f s", path.rawValue, passages.count, buildSeconds))
        }
        let answerer = CityAnswerer(llm: llm, store: store, topK: settings.topK)
        let q = experiment.questions
        let seen = try answerer.answer(q.seen), unseen = try answerer.answer(q.unseenPhrasing), unknown = try answerer.answer(q.unknown)
        let latency = medianAndP95(try answerer.latencies(Array((q.seen + q.unknown).prefix(settings.latencySamples))))
        log(String(format: "%@: seen %.3f, unseen phrasing %.3f, unknown abstain %.3f; latency median %.0f ms",
                   path.rawValue, AnswerTally(seen.map(\.verdict)).accuracy, AnswerTally(unseen.map(\.verdict)).accuracy,
                   AnswerTally(unknown.map(\.verdict)).abstainRate, latency.median))

        var stale: [CityAnswerer.Answer]?
        var seenAfter: [CityAnswerer.Answer]?
        var updateSeconds: Double?
        if let store {
            updateSeconds = try store.upsert(experiment.changedPassages).totalSeconds
        } else if let kind = path.training, let training {
            stale = try answerer.answer(experiment.updateQuestions)
            try load(kind, updated: true, into: llm.model)
            updateSeconds = training.retrainSeconds
            seenAfter = try answerer.answer(q.seen)
        }
        let after = try answerer.answer(experiment.updateQuestions)
        let unknownTally = AnswerTally(unknown.map(\.verdict))
        let result = RAGPathResult(
            path: path, accuracySeen: AnswerTally(seen.map(\.verdict)).accuracy,
            accuracyUnseenPhrasing: AnswerTally(unseen.map(\.verdict)).accuracy,
            accuracyAfterUpdate: AnswerTally(after.map(\.verdict)).accuracy,
            accuracyAfterUpdateStale: stale.map { AnswerTally($0.map(\.verdict)).accuracy },
            accuracySeenAfterUpdate: seenAfter.map { AnswerTally($0.map(\.verdict)).accuracy },
            unknownAbstainRate: unknownTally.abstainRate, unknownHallucinationRate: unknownTally.hallucinationRate,
            latencyMsMedian: latency.median, latencyMsP95: latency.p95, peakRSSBytes: ProcessMemory.peakResidentBytes() ?? 0,
            updateSeconds: updateSeconds, buildSeconds: buildSeconds, diskBytes: disk.values.reduce(0, +), disk: disk,
            questionCounts: ["seen": seen.count, "unseen_phrasing": unseen.count, "unknown": unknown.count, "update": after.count],
            examples: ["seen": Array(seen.prefix(4)), "unseen_phrasing": Array(unseen.prefix(4)),
                       "unknown": Array(unknown.prefix(4)), "update": Array(after.prefix(4))])
        try RAGPathResult.encoder.encode(result).write(to: folder.appendingPathComponent("result.json"), options: .atomic)
        return result
    }
}
