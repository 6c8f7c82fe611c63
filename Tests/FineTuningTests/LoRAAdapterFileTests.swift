import Foundation
import Testing
@testable import FineTuning

/// Our Encoder module paths → Hugging Face `BertModel` module paths (BertNameMapping).
func bertModulePath(_ path: String) -> String { Encoder.huggingFaceModulePath(path) }

@Suite struct LoRAAdapterFileTests {
    private let fixture: [String: Tensor]

    init() throws { fixture = try SafeTensors.load(contentsOf: layerFixtureURL("peft_tiny_bert.safetensors")) }

    /// The tiny BertModel of make_peft_fixtures.py, with its base weights.
    private func baseEncoder(layers: Int = 2) throws -> Encoder {
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: layers, heads: 4, hidden: 32)
        config.maxPositions = 12
        config.dropout = 0
        config.dtype = .float64
        let encoder = Encoder(config)
        let base = fixture.filter { key, _ in
            !key.hasPrefix("input.") && !key.hasPrefix("output.") && !key.hasPrefix("prompt.") && !key.contains(".adapters.")
                && !key.hasPrefix("pissa.") && !key.hasPrefix("olora.")
        }
        try encoder.load(stateDict: base, strict: layers == 2)
        return encoder
    }

    private func hidden(_ encoder: Encoder) -> Tensor {
        withGradientsDisabled { encoder(fixture["input.ids"]!, tokenTypes: fixture["input.types"]!, mask: fixture["input.mask"]!) }
    }

    private func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("lora-tests-\(UInt64.random(in: 0 ... .max))")
    }

    @Test func loadsAPEFTLoRAAdapterAndMatchesPEFT() throws {
        let encoder = try baseEncoder()
        expectTensorsClose(hidden(encoder), fixture["output.base.hidden"]!, tolerance: 1e-10)
        let config = try #require(try encoder.loadHuggingFaceAdapter(from: layerFixtureURL("peft_tiny_bert_adapter")).lora)
        #expect(config.rank == 4 && config.alpha == 8 && !config.useDoRA)
        #expect(encoder.adaptedLayers().map(\.path) == [
            "layers.0.attention.query", "layers.0.attention.value", "layers.0.feedForward.up",
            "layers.1.attention.query", "layers.1.attention.value", "layers.1.feedForward.up"])
        expectTensorsClose(hidden(encoder), fixture["output.lora.hidden"]!, tolerance: 1e-5)
        expectTensorsClose(hidden(encoder), fixture["output.lora.hidden"]!, tolerance: 1e-10)
        mergeMovingWeights(encoder)
        expectTensorsClose(hidden(encoder), fixture["output.lora.hidden"]!, tolerance: 1e-10)
    }

    @Test func loadsAPEFTDoRAAdapterWithBiasesAndModulesToSave() throws {
        let encoder = try baseEncoder()
        let config = try #require(try encoder.loadAdapter(from: layerFixtureURL("peft_tiny_bert_dora"), hfModulePath: bertModulePath).lora)
        #expect(config.useDoRA && config.useRSLoRA && config.bias == .loraOnly && config.layersToTransform == [1])
        #expect(config.modulesToSave == ["pooler"])
        #expect(encoder.adaptedLayers().map(\.path) == ["layers.1.attention.key", "layers.1.attention.output", "layers.1.feedForward.down"])
        let h = hidden(encoder)
        expectTensorsClose(h, fixture["output.dora.hidden"]!, tolerance: 1e-5)
        expectTensorsClose(withGradientsDisabled { encoder.pooled(h) }, fixture["output.dora.pooled"]!, tolerance: 1e-5)
        let unmerged = mergeMovingWeights(encoder)
        expectTensorsClose(hidden(encoder), fixture["output.dora.hidden"]!, tolerance: 1e-8)
        unmergeRestoringWeights(encoder, unmerged, tolerance: 1e-12)
        expectTensorsClose(hidden(encoder), fixture["output.dora.hidden"]!, tolerance: 1e-8)
        // Saved again by Swift and read back: same outputs (and, by hand with PEFT_EXPORT_DIR,
        // the same in PEFT: make_peft_fixtures.py --check $PEFT_EXPORT_DIR/dora).
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try encoder.saveAdapter(to: folder, hfModulePath: bertModulePath)
        let fresh = try baseEncoder()
        let reloaded = try #require(try fresh.loadAdapter(from: folder, hfModulePath: bertModulePath).lora)
        #expect(reloaded.rank == config.rank && reloaded.alpha == config.alpha && reloaded.useDoRA && reloaded.useRSLoRA)
        #expect(reloaded.bias == .loraOnly && reloaded.modulesToSave == ["pooler"] && reloaded.layersToTransform == [1])
        // (The merge/unmerge above moved the base weights by rounding only.)
        expectTensorsClose(hidden(fresh), hidden(encoder), tolerance: 1e-12)
        if let export = ProcessInfo.processInfo.environment["PEFT_EXPORT_DIR"] {
            let url = URL(fileURLWithPath: export).appendingPathComponent("dora")
            try encoder.saveAdapter(to: url, hfModulePath: bertModulePath)
            try SafeTensors.save(["output.hidden": hidden(encoder)], to: url.appendingPathComponent("expected.safetensors"))
        }
    }

    @Test func twoLoadedAdaptersSwitch() throws {
        let encoder = try baseEncoder()
        try encoder.loadAdapter(from: layerFixtureURL("peft_tiny_bert_adapter"), as: "lora", hfModulePath: bertModulePath)
        try encoder.loadAdapter(from: layerFixtureURL("peft_tiny_bert_adapter"), as: "copy", hfModulePath: bertModulePath)
        #expect(encoder.adapterNames == ["copy", "lora"])
        expectTensorsClose(hidden(encoder), fixture["output.lora.hidden"]!, tolerance: 1e-10)
        encoder.withAdaptersDisabled { expectTensorsClose(hidden(encoder), fixture["output.base.hidden"]!, tolerance: 1e-10) }
        try encoder.setActiveAdapter("lora")
        expectTensorsClose(hidden(encoder), fixture["output.lora.hidden"]!, tolerance: 1e-10)
        #expect(throws: StrategyError.adapterExists("lora")) {
            try encoder.loadAdapter(from: layerFixtureURL("peft_tiny_bert_adapter"), as: "lora", hfModulePath: bertModulePath)
        }
    }

    @Test func savedAdapterRoundTripsAndUsesPEFTNames() throws {
        let encoder = try baseEncoder()
        try LoRA(LoRAConfig(rank: 3, alpha: 6, targetModules: ["query", "feedForward.down"], bias: .loraOnly, useRSLoRA: true),
                 generator: Generator(seed: 9)).prepare(encoder)
        withGradientsDisabled {
            let generator = Generator(seed: 10)
            for (_, layer) in encoder.adaptedLayers() {
                let lora = layer.adapters["default"] as! LoRAAdapter
                lora.loraB.assign(Tensor.normal(lora.loraB.shape, std: 0.5, dtype: .float64, generator: generator))
                layer.bias!.assign(layer.bias! + 0.1)
            }
        }
        let expected = hidden(encoder)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try encoder.saveAdapter(to: folder, baseModel: "tiny-bert", taskType: "FEATURE_EXTRACTION", hfModulePath: bertModulePath)

        let keys = Set(try SafeTensors.load(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).keys)
        #expect(keys.contains("base_model.model.encoder.layer.0.attention.self.query.lora_A.weight"))
        #expect(keys.contains("base_model.model.encoder.layer.1.output.dense.lora_B.weight"))
        #expect(keys.contains("base_model.model.encoder.layer.1.output.dense.base_layer.bias"))
        #expect(keys.count == 4 * 3)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("adapter_config.json"))) as! [String: Any]
        #expect(json["peft_type"] as? String == "LORA" && json["r"] as? Int == 3 && json["lora_alpha"] as? Int == 6)
        #expect(json["use_rslora"] as? Bool == true && json["bias"] as? String == "lora_only")
        #expect(json["fan_in_fan_out"] as? Bool == false && json["base_model_name_or_path"] as? String == "tiny-bert")
        #expect((json["target_modules"] as? [String])?.first == "encoder.layer.0.attention.self.query")

        let fresh = try baseEncoder()
        try fresh.loadAdapter(from: folder, hfModulePath: bertModulePath)
        #expect(hidden(fresh).scalars(as: Double.self) == expected.scalars(as: Double.self))

        // By hand: PEFT_EXPORT_DIR=/tmp/x swift test --filter LoRAAdapterFileTests, then
        // make_peft_fixtures.py --check /tmp/x loads this adapter in PEFT and compares.
        if let export = ProcessInfo.processInfo.environment["PEFT_EXPORT_DIR"] {
            let url = URL(fileURLWithPath: export)
            try encoder.saveAdapter(to: url, hfModulePath: bertModulePath)
            try SafeTensors.save(["output.hidden": expected], to: url.appendingPathComponent("expected.safetensors"))
        }
    }

    @Test func classifierAdapterWithHeadRoundTrips() throws {
        let model = strategyTestClassifier()
        try LoRA(LoRAConfig(rank: 2, alpha: 4, modulesToSave: ["classifier"]), generator: Generator(seed: 1)).prepare(model)
        expectTrainsExactly(model, parameterNames(model) { $0.contains(".adapters.") || $0.hasPrefix("classifier.") }) {
            strategyLoss(model)
        }
        let trained = strategyLogits(model)
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.saveAdapter(to: folder, taskType: "SEQ_CLS")
        let keys = Set(try SafeTensors.load(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).keys)
        #expect(keys.contains("base_model.model.classifier.weight") && keys.contains("base_model.model.classifier.bias"))
        #expect(keys.contains("base_model.model.encoder.layers.1.attention.value.lora_B.weight"))
        let fresh = strategyTestClassifier()
        #expect(strategyLogits(fresh).scalars(as: Float.self) != trained.scalars(as: Float.self))
        let config = try #require(try fresh.loadAdapter(from: folder).lora)
        #expect(config.modulesToSave == ["classifier"])
        #expect(strategyLogits(fresh).scalars(as: Float.self) == trained.scalars(as: Float.self))
        // The loaded adapter and head train again.
        #expect(Set(fresh.namedParameters().filter(\.tensor.requiresGrad).map(\.name))
                == parameterNames(fresh) { $0.contains(".adapters.") || $0.hasPrefix("classifier.") })
        #expect(throws: StrategyError.unknownAdapter("other")) { try model.saveAdapter("other", to: folder) }
        let unmerged = mergeMovingWeights(model)
        #expect(throws: StrategyError.self) { try model.saveAdapter(to: folder) }   // merged: unmerge first
        unmergeRestoringWeights(model, unmerged, tolerance: 1e-6)
        try model.saveAdapter(to: folder)                                           // unmerged: saves again
        expectTensorsClose(strategyLogits(model), trained, tolerance: 1e-5)
    }

    @Test func loadingAnAdapterForMissingModulesNamesThem() throws {
        let small = try baseEncoder(layers: 1)
        let before = hidden(small)
        do {
            try small.loadAdapter(from: layerFixtureURL("peft_tiny_bert_adapter"), hfModulePath: bertModulePath)
            Issue.record("expected an error")
        } catch let error as StrategyError {
            guard case .adapterTargetsNotFound(_, let modules) = error else { Issue.record("\(error)"); return }
            #expect(modules == ["encoder.layer.1.attention.self.query", "encoder.layer.1.attention.self.value",
                                "encoder.layer.1.intermediate.dense"])
            #expect(error.description.contains("encoder.layer.1.attention.self.query"))
        }
        #expect(small.adapterNames.isEmpty)
        #expect(hidden(small).scalars(as: Double.self) == before.scalars(as: Double.self))
        // Without the name mapping nothing matches.
        let unmapped = try baseEncoder()
        #expect(throws: StrategyError.self) { try unmapped.loadAdapter(from: layerFixtureURL("peft_tiny_bert_adapter")) }
        // A folder that is not an adapter.
        #expect(throws: StrategyError.self) { try unmapped.loadAdapter(from: layerFixtureURL("nothing-here")) }
    }

    /// IA³ with PEFT's vectors (make_peft_fixtures.py) gives PEFT's hidden states.
    @Test func ia3MatchesPEFT() throws {
        let encoder = try baseEncoder()
        try IA3().prepare(encoder)
        let vectors = fixture.filter { $0.key.contains(".adapters.") }
        #expect(vectors.count == 6)
        let report = try encoder.load(stateDict: vectors, strict: false)
        #expect(report.unexpected.isEmpty && report.mismatched.isEmpty)
        expectTensorsClose(hidden(encoder), fixture["output.ia3.hidden"]!, tolerance: 1e-10)
        mergeMovingWeights(encoder)
        expectTensorsClose(hidden(encoder), fixture["output.ia3.hidden"]!, tolerance: 1e-10)
    }

    /// Prompt tuning with PEFT's virtual tokens gives PEFT's hidden states (virtual positions
    /// included).
    @Test func promptTuningMatchesPEFT() throws {
        let tuned = PromptTunedEncoder(try baseEncoder(), virtualTokens: 3)
        try tuned.load(stateDict: ["prompt.weight": fixture["prompt.weight"]!], strict: false)
        let h = withGradientsDisabled { tuned(fixture["input.ids"]!, mask: fixture["input.mask"]!) }
        #expect(h.shape == [2, 10, 16])
        expectTensorsClose(h, fixture["output.prompt.hidden"]!, tolerance: 1e-10)
    }

    /// A PEFT LoRA adapter on GPT-2's fused `c_attn` (a Conv1D, `fan_in_fan_out=True`) loads onto
    /// our fused `qkv` Linear and reproduces PEFT's logits.
    @Test func loadsAPEFTGPT2AdapterOnFusedQKV() throws {
        let base = try SafeTensors.load(contentsOf: layerFixtureURL("hf_gpt2.safetensors"))
        let expected = try SafeTensors.load(contentsOf: layerFixtureURL("peft_tiny_gpt2.safetensors"))
        var config = GPTConfig(vocabularySize: 32, maxPositions: 16, dim: 16, layers: 2, heads: 4, hidden: 48)
        config.dtype = .float64
        config.fusedQKV = true
        let model = GPT(config)
        try model.load(stateDict: base.filter { key, _ in !["grad.", "input.", "output."].contains { key.hasPrefix($0) } })
        func gpt2ModulePath(_ path: String) -> String {
            let parts = path.split(separator: ".").map(String.init)
            guard parts.count > 2, parts[0] == "layers", let n = Int(parts[1]) else { return "swift-only." + path }
            let inner = ["attention.qkv": "attn.c_attn", "attention.output": "attn.c_proj",
                         "feedForward.up": "mlp.c_fc", "feedForward.down": "mlp.c_proj"]
            return inner[parts.dropFirst(2).joined(separator: ".")].map { "transformer.h.\(n).\($0)" } ?? "swift-only." + path
        }
        try model.loadAdapter(from: layerFixtureURL("peft_tiny_gpt2_adapter"), hfModulePath: gpt2ModulePath)
        #expect(model.adaptedLayers().map(\.path) == ["layers.0.attention.qkv", "layers.1.attention.qkv"])
        let logits = withGradientsDisabled { model(base["input.ids"]!) }
        expectTensorsClose(logits, expected["output.lora.logits"]!, tolerance: 1e-10)
    }

    /// PiSSA and OLoRA leave the same residual in the base weight and the same principal part
    /// `scale·B·A` as PEFT (each factor is unique only up to signs; the products are not).
    @Test(arguments: [LoRAConfig.Initialization.pissa, .olora])
    func initializationsMatchPEFT(_ initialization: LoRAConfig.Initialization) throws {
        var config = EncoderConfig(vocabularySize: 30, dim: 16, layers: 2, heads: 4, hidden: 32)
        config.maxPositions = 12
        let encoder = Encoder(config)   // float32, as PEFT requires for these
        let base = fixture.filter { key, _ in encoder.stateDict()[key] != nil }
        try encoder.load(stateDict: base)
        try LoRA(LoRAConfig(rank: 2, alpha: 4, targetModules: ["query"], initialization: initialization)).prepare(encoder)
        for (n, layer) in encoder.layers.enumerated() {
            let query = layer.attention.query!
            let lora = query.adapters["default"] as! LoRAAdapter
            let key = "\(initialization.rawValue).layers.\(n).attention.query"
            expectTensorsClose(query.weight, fixture[key + ".weight"]!, tolerance: 1e-5)
            expectTensorsClose(lora.loraB.matmul(lora.loraA) * lora.scale, fixture[key + ".delta"]!, tolerance: 1e-5)
        }
    }

    /// A PEFT IA³ adapter loads and reproduces PEFT's hidden states; saved again by Swift it
    /// reloads (and, by hand with PEFT_EXPORT_DIR, loads in PEFT: --check $PEFT_EXPORT_DIR/ia3).
    @Test func loadsAndSavesAPEFTIA3Adapter() throws {
        let encoder = try baseEncoder()
        let config = try encoder.loadAdapter(from: layerFixtureURL("peft_tiny_bert_ia3"), hfModulePath: bertModulePath)
        guard case .ia3(_, let feedForward, _) = config else { Issue.record("not IA³: \(config)"); return }
        #expect(feedForward == ["layer.0.output.dense", "layer.1.output.dense"])
        #expect(encoder.adaptedLayers().count == 6)
        expectTensorsClose(hidden(encoder), fixture["output.ia3.hidden"]!, tolerance: 1e-10)

        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try encoder.saveAdapter(to: folder, hfModulePath: bertModulePath)
        let keys = Set(try SafeTensors.load(contentsOf: folder.appendingPathComponent("adapter_model.safetensors")).keys)
        #expect(keys.contains("base_model.model.encoder.layer.0.output.dense.ia3_l") && keys.count == 6)
        let fresh = try baseEncoder()
        try fresh.loadAdapter(from: folder, hfModulePath: bertModulePath)
        expectTensorsClose(hidden(fresh), fixture["output.ia3.hidden"]!, tolerance: 1e-10)
        if let export = ProcessInfo.processInfo.environment["PEFT_EXPORT_DIR"] {
            let url = URL(fileURLWithPath: export).appendingPathComponent("ia3")
            try encoder.saveAdapter(to: url, hfModulePath: bertModulePath)
            try SafeTensors.save(["output.hidden": hidden(encoder)], to: url.appendingPathComponent("expected.safetensors"))
        }
    }
}
