import FineTuning
import Foundation
import Retrieval
import Testing
@testable import RAGSupport

@Suite struct RAGComparisonTests {
    private let charleston = City(id: 1, name: "Charleston", state: "Virginia", ianaTimeZone: "America/New_York", population: 900, elevation: 600)

    @Test func scoresByTheValuesNamed() {
        let state = CityQuestion(city: charleston, fact: .state, phrasing: 0)
        #expect(AnswerVerdict(answer: "Virginia", question: state) == .correct)
        #expect(AnswerVerdict(answer: "Charleston is in Virginia.", question: state) == .correct)
        #expect(AnswerVerdict(answer: "West Virginia", question: state) == .wrong, "West Virginia also counted as Virginia")
        #expect(AnswerVerdict(answer: "Virginia or West Virginia", question: state) == .wrong)
        #expect(AnswerVerdict(answer: "I don't know.", question: state) == .abstained)
        #expect(AnswerVerdict(answer: "The passages do not contain the answer.", question: state) == .abstained)
        #expect(AnswerVerdict(answer: "A lovely town.", question: state) == .unclear)
        let population = CityQuestion(city: charleston, fact: .population, phrasing: 1)
        #expect(population.expected == "small")
        #expect(AnswerVerdict(answer: "Small.", question: population) == .correct)
        #expect(AnswerVerdict(answer: "Small or medium", question: population) == .wrong)
        #expect(AnswerVerdict(answer: "smallish", question: population) == .unclear)
        let washington = City(id: 2, name: "Washington Court", state: "Ohio", ianaTimeZone: "America/New_York", population: 1, elevation: 1)
        #expect(AnswerVerdict(answer: "Washington Court is in Ohio", question: CityQuestion(city: washington, fact: .state, phrasing: 2)) == .correct,
                "the city's own name counted as a value")
    }

    /// `--no-full-fine-tuning` drops the full row and its training part, nothing else.
    @Test func fullFineTuningIsOptional() {
        var settings = RAGRunSettings()
        #expect(settings.paths == RAGPath.allCases && settings.trainings == [.lora, .full])
        settings.fullFineTuning = false
        #expect(settings.paths == [.closedBook, .fineTuned, .rag, .fineTunedRAG] && settings.trainings == [.lora])
    }

    @Test func talliesAndPercentiles() {
        let tally = AnswerTally([.correct, .wrong, .abstained, .unclear, .correct])
        #expect(tally.count == 5 && tally.accuracy == 0.4 && tally.abstainRate == 0.2 && tally.wrongRate == 0.2)
        #expect(abs(tally.hallucinationRate - 0.6) < 1e-12)
        #expect(AnswerTally([]).accuracy == 0)
        let (median, p95) = medianAndP95((1...20).map(Double.init).reversed())
        #expect(median == 10.5 && p95 == 19)
        #expect(medianAndP95([3]) == (3, 3) && medianAndP95([]) == (0, 0))
    }

    @Test func reportHasTheRowKeysTableAndChart() throws {
        let rows = RAGPath.allCases.enumerated().map { i, path in
            RAGPathResult(path: path, accuracySeen: 0.5, accuracyUnseenPhrasing: 0.25, accuracyAfterUpdate: 0.75,
                          accuracyAfterUpdateStale: path.isFineTuned ? 0.1 : nil, accuracySeenAfterUpdate: nil,
                          unknownAbstainRate: 0.3, unknownHallucinationRate: 0.6, latencyMsMedian: 100 + Double(i), latencyMsP95: 200,
                          peakRSSBytes: 1 << 30, updateSeconds: path == .closedBook ? nil : 1.5, buildSeconds: 2, diskBytes: 1 << 20,
                          disk: ["model": 1 << 20], questionCounts: ["seen": 4], examples: [:])
        }
        let report = RAGComparisonReport(rows: rows, training: nil, settings: .quick, machine: "test", totalSeconds: 1)
        let json = try JSONSerialization.jsonObject(with: RAGPathResult.encoder.encode(report)) as? [String: Any]
        let jsonRows = try #require(json?["rows"] as? [[String: Any]])
        #expect(jsonRows.map { $0["path"] as? String } == ["closed_book", "fine_tuned", "full_fine_tuned", "rag", "fine_tuned_rag"])
        for key in ["accuracy_seen", "accuracy_unseen_phrasing", "accuracy_after_update", "unknown_abstain_rate",
                    "unknown_hallucination_rate", "latency_ms_median", "latency_ms_p95", "peak_rss_bytes", "disk_bytes"] {
            #expect(jsonRows.allSatisfy { $0[key] is NSNumber }, "\(key) missing or not a number")
        }
        #expect(jsonRows[1]["update_seconds"] as? Double == 1.5)
        let table = report.markdownTable()
        #expect(table.split(separator: "\n").count == 2 + rows.count)
        #expect(table.contains("10.0 % → 75.0 %"))
        let svg = report.chartSVG()
        #expect(svg.hasPrefix("<svg") && svg.components(separatedBy: "<rect x=").count - 1 == rows.count * 5 + 5)
    }

    /// A tiny LLaMA GGUF (2 blocks of width 64) carrying SmolLM2's tokenizer and chat template:
    /// what it answers is noise, but every step of every path runs as on the real model.
    private func tinyModel(in folder: URL) throws -> URL {
        let source = try GGUFFile(contentsOf: try smolLM2File.get()).metadata
        var config = GPTConfig(vocabularySize: 49_152, maxPositions: 512, dim: 64, layers: 2, heads: 4, kvHeads: 2, hidden: 96)
        config.positions = .rotary(base: 100_000)
        config.norm = .rmsNorm
        config.feedForward = .swiGLU
        config.bias = false
        config.normEps = Double(Float(1e-5))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("tiny.gguf")
        _ = try GPT(config, generator: Generator(seed: 1)).writeGGUF(to: url, type: .f32, metadataFrom: source)
        return url
    }

    /// The batched answers (shared prompt prefix) are the answers each prompt gets alone, and
    /// RAG puts the city's passage and the instruction in the prompt.
    @Test func batchedAnswersMatchSingleOnes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rag-answer-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let llm = try PretrainedLLM(contentsOf: try tinyModel(in: folder))
        let store = PassageStore(embedder: try SentenceEmbedder(directory: try miniLMFolder.get()))
        let cities = [charleston,
                      City(id: 3, name: "Boise", state: "Idaho", ianaTimeZone: "America/Boise", population: 235_684, elevation: 824),
                      City(id: 4, name: "Fresno", state: "California", ianaTimeZone: "America/Los_Angeles", population: 510_365, elevation: 94)]
        try store.upsert(cities.map(CityKnowledge.passage(for:)))
        let questions = [CityQuestion(city: cities[1], fact: .state, phrasing: 0), CityQuestion(city: cities[2], fact: .timeZone, phrasing: 3)]
        for answerer in [CityAnswerer(llm: llm, store: nil), CityAnswerer(llm: llm, store: store, topK: 2)] {
            answerer.maxNewTokens = 6
            let batched = try answerer.answer(questions)
            let prompts = try answerer.prompts(for: questions)
            for (answer, prompt) in zip(batched, prompts) {
                let alone = llm.model.generateGreedy([llm.tokenizer.encode(prompt, addSpecialTokens: true)], maxNewTokens: 6,
                                                     stopTokens: llm.stopTokens)[0]
                #expect(answer.output == llm.tokenizer.decode(alone, skipSpecialTokens: true).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            if answerer.store != nil {
                #expect(prompts[0].contains(CityKnowledge.passage(for: cities[1]).text))
                #expect(prompts[0].contains(CityAnswerer.ragInstruction))
            } else {
                #expect(prompts[0].contains(CityQuestion.instruction) && !prompts[0].contains("Passages"))
            }
        }
    }

    /// Training (LoRA and full) and the paths that take an update in differently (retraining an
    /// adapter, retraining every weight, re-embedding) end to end on the tiny model and a handful
    /// of cities; the other two combine their parts.
    @Test func everyPathRunsEndToEnd() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("rag-run-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var settings = RAGRunSettings.quick
        settings.model = try tinyModel(in: folder).path
        settings.embedder = try miniLMFolder.get().path
        settings.output = folder.appendingPathComponent("out").path
        (settings.knownCities, settings.abstainCities, settings.unknownCities, settings.changedFacts) = (3, 1, 2, 2)
        (settings.questionLimit, settings.batchSize, settings.latencySamples) = (4, 4, 1)
        let cities = (0..<10).map { i in
            City(id: 100 + i, name: "Placeton \(String(repeating: "x", count: i + 1))", state: CityFact.states[i], ianaTimeZone: "America/Chicago",
                 population: 1_000 * i, elevation: 100 * Double(i) + 1)
        }
        let experiment = try RAGExperiment(cities: cities.filter { $0.population > 0 }, settings: settings)
        let run = RAGPathRun(settings: settings, log: { _ in })
        let training = try run.train(experiment)
        #expect(training.records == 3 * 4 * 3 + 1 * 4 && training.retrainRecords == 2 * 3 + 3)
        let fullTraining = try run.train(experiment, kind: .full)
        #expect(fullTraining.records == training.records)
        let trained = try SafeTensors.load(contentsOf: run.artifact(.full, updated: false))
        let retrained = try SafeTensors.load(contentsOf: run.artifact(.full, updated: true))
        let base = try PretrainedLLM(contentsOf: URL(fileURLWithPath: settings.model)).model.namedParameters()
        #expect(Set(trained.keys) == Set(base.map(\.name)), "full fine-tuning saves every weight")
        let weight = try #require(base.first { $0.name.hasSuffix("down.weight") }, "\(base.map(\.name))")
        let values = { (tensor: Tensor?) in tensor?.scalars(as: Float.self) ?? [] }
        #expect(values(trained[weight.name]).count == weight.tensor.count)
        #expect(values(trained[weight.name]) != values(weight.tensor), "the weights did not move")
        #expect(values(retrained[weight.name]) != values(trained[weight.name]), "retraining did not move them")
        let rows = try [RAGPath.fineTuned, .fullFineTuned, .rag].map { try run.serve($0, experiment) }
        for row in rows {
            #expect(row.questionCounts == ["seen": 4, "unseen_phrasing": 4, "unknown": 4, "update": 2])
            for rate in [row.accuracySeen, row.accuracyUnseenPhrasing, row.accuracyAfterUpdate, row.unknownAbstainRate, row.unknownHallucinationRate] {
                #expect((0...1).contains(rate))
            }
            #expect(row.latencyMsMedian > 0 && row.peakRSSBytes > 0 && row.disk["model"] ?? 0 > 0)
            #expect(row.updateSeconds != nil)
            #expect((row.disk["adapter"] != nil) == row.path.usesAdapter && (row.disk["index"] != nil) == row.path.usesRetrieval)
            #expect((row.disk["weights"] != nil) == row.path.usesFullWeights)
        }
        for row in rows[0...1] { #expect(row.accuracyAfterUpdateStale != nil && row.accuracySeenAfterUpdate != nil) }
        #expect(rows[2].accuracyAfterUpdateStale == nil && rows[2].disk["embedder"] ?? 0 > 0)
        let report = RAGComparisonReport(rows: rows, training: training, fullTraining: fullTraining, settings: settings,
                                         machine: "test", totalSeconds: 1)
        try report.write(to: folder.appendingPathComponent("out"))
        for name in ["comparison.md", "comparison.json", "comparison.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/\(name)").path))
        }
    }
}
