import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import FineTuning

@Suite struct TrainingOutputTests {
    @Test func parameterSummaryHasThePEFTForm() {
        // PEFT rounds to 4 decimals: 0.97635…% prints as 0.9764.
        #expect("\(ParameterSummary(trainable: 32_768, total: 3_356_160))"
                == "trainable params: 32,768 || all params: 3,356,160 || trainable%: 0.9764")
        #expect(TrainingBanner.grouped(999) == "999" && TrainingBanner.grouped(1000) == "1,000")
        let banner = TrainingBanner.lines(examples: 1200, epochs: 3, batchSize: 8, accumulation: 2, totalSteps: 225,
                                          counts: (trainable: 10, total: 40), resumedAt: nil)
        #expect(banner.contains("  Num examples = 1,200"))
        #expect(banner.contains("  Effective batch size = 16"))
        #expect(banner.contains("  Total optimization steps = 225"))
        #expect(banner.last == "  trainable params: 10 || all params: 40 || trainable%: 25.0000")
    }

    @Test func progressLinesAndBar() {
        var lines: [String] = []
        let plain = ProgressReporter(style: .lines, totalSteps: 100, startStep: 0) { lines.append($0) }
        plain.update(step: 5, epoch: 0.25, loss: 1.5, learningRate: 3e-4, tokensPerSecond: 2500)   // bar only: ignored
        plain.line(step: 5, epoch: 0.25, loss: 1.5, learningRate: 3e-4, tokensPerSecond: 2500)
        plain.evaluation(step: 5, values: ["eval_loss": 1.25, "eval_accuracy": 0.5])
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("step 5/100 | epoch 0.25 | loss 1.5000 | lr 3.00e-04 | 2.5k tok/s | eta "))
        #expect(lines[1] == "eval @ step 5: eval_accuracy 0.5000 | eval_loss 1.2500\n")

        var drawn: [String] = []
        let bar = ProgressReporter(style: .bar, totalSteps: 10, startStep: 0) { drawn.append($0) }
        bar.update(step: 5, epoch: 0.5, loss: 2, learningRate: 1e-3, tokensPerSecond: 100)
        bar.finish()
        #expect(drawn[0].hasPrefix("\r\u{1B}[K████████████░░░░░░░░░░░░ 5/10 ["))
        #expect(drawn[0].contains("loss 2.0000 lr 1.00e-03 100 tok/s"))
        #expect(drawn.last == "\n")

        var silent: [String] = []
        let quiet = ProgressReporter(style: .silent, totalSteps: 10, startStep: 0) { silent.append($0) }
        quiet.banner(["x"]); quiet.line(step: 1, epoch: 0, loss: 1, learningRate: 1, tokensPerSecond: 1)
        #expect(silent.isEmpty)
        #expect(ProgressReporter.duration(3725) == "1:02:05" && ProgressReporter.duration(65) == "01:05")
    }

    @Test func runWritesMetricsLogAndWellFormedSVG() throws {
        let directory = trainingTemporaryDirectory()
        let model = BagClassifier()
        var config = TrainerConfiguration(epochs: 6, batchSize: 8)
        config.logEvery = 1
        config.evaluateEvery = 3
        config.warmupSteps = 3
        config.decay = .linear
        config.outputDirectory = directory
        config.progress = .silent
        let data = tinyClassificationData(count: 32)
        let parts = data.split(validation: 0.25, seed: 0)
        let trainer = Trainer(model: model, optimizer: AdamW(parameters: model.trainableParameters(), learningRate: 0.05),
                              trainData: parts.train, evaluationData: parts.validation,
                              collate: TextClassificationCollator(tokenizer: ByteTokenizer()).collate,
                              configuration: config, loss: model.output(for:))
        let result = try trainer.train()

        let lines = try String(contentsOf: directory.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let objects = try lines.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let train = objects.filter { $0["kind"] as? String == "train" }
        let eval = objects.filter { $0["kind"] as? String == "eval" }
        #expect(train.count == 18 && eval.count == 6)
        #expect(train.allSatisfy { $0["loss"] is Double && $0["learning_rate"] is Double && $0["tokens_per_second"] is Double })
        #expect((train[0]["learning_rate"] as! Double) == 0)            // warmup starts at 0
        #expect(eval.allSatisfy { $0["eval_loss"] != nil && $0["eval_accuracy"] != nil && $0["eval_perplexity"] != nil })

        let url = try #require(result.plot)
        let document = try XMLDocument(contentsOf: url, options: [])
        let root = try #require(document.rootElement())
        #expect(root.name == "svg")
        #expect(root.attribute(forName: "xmlns")?.stringValue == "http://www.w3.org/2000/svg"
                || root.namespaces?.first?.stringValue == "http://www.w3.org/2000/svg")
        // XPath would need the SVG namespace bound; walking the tree is simpler.
        func elements(_ node: XMLNode, named name: String) -> [XMLNode] {
            (node.localName == name ? [node] : []) + (node.children ?? []).flatMap { elements($0, named: name) }
        }
        let texts = elements(root, named: "text").compactMap(\.stringValue)
        for expected in ["Loss", "Learning rate", "Evaluation metrics", "train loss", "eval loss", "eval_accuracy", "step"] {
            #expect(texts.contains(expected), "missing label \(expected)")
        }
        #expect(elements(root, named: "polyline").count >= 5)
        #expect(elements(root, named: "circle").count >= 6 * 2)
    }

    @Test func niceTicks() {
        #expect(SVGChart.ticks(0, 1) == [0, 0.2, 0.4, 0.6000000000000001, 0.8, 1] || SVGChart.ticks(0, 1).count == 6)
        #expect(SVGChart.ticks(1, 18) == [0, 5, 10, 15, 20])
        #expect(SVGChart.ticks(2, 2).count >= 2)
        #expect(SVGChart.label(0.0003) == "3.0e-04" && SVGChart.label(2.5) == "2.5" && SVGChart.label(10) == "10")
    }

    @Test func emptyHistoryStillGivesADocument() throws {
        let svg = TrainingPlot.svg(history: [])
        let document = try XMLDocument(data: Data(svg.utf8), options: [])
        #expect(document.rootElement()?.name == "svg")
        #expect(svg.contains("no data"))
    }
}
