import Foundation
import TensorKit

/// LoRA and DoRA adapters in Hugging Face PEFT's layout: `<module>.lora_A.weight` `[r, in]`,
/// `<module>.lora_B.weight` `[out, r]` (DoRA: `<module>.lora_magnitude_vector` `[out]`), the
/// biases the adapter trains (`<module>.base_layer.bias` on adapted layers) and the parameters
/// of its modules-to-save under their own names, with `peft_type` `"LORA"`.
extension LoRAAdapter: PEFTAdapterFormat {
    static var peftType: String { "LORA" }

    static func peftContents(of layers: [(path: String, layer: any AdapterHost, adapter: LoRAAdapter)], in model: Module,
                             hfModulePath: (String) -> String) throws -> (tensors: [String: Tensor], config: [String: Any]) {
        guard let settings = layers.first?.adapter.config else { return ([:], [:]) }
        let prefix = Module.peftPrefix
        var tensors: [String: Tensor] = [:]
        for (path, _, adapter) in layers {
            let module = hfModulePath(path)
            tensors[prefix + module + ".lora_A.weight"] = adapter.loraA.contiguous()
            tensors[prefix + module + ".lora_B.weight"] = adapter.loraB.contiguous()
            if let magnitude = adapter.magnitude { tensors[prefix + module + ".lora_magnitude_vector"] = magnitude.contiguous() }
        }
        let adaptedPaths = Set(layers.map(\.path))
        var extra: [(String, Tensor)] = []
        switch settings.bias {
        case .none: break
        case .loraOnly: extra = layers.compactMap { entry in entry.layer.bias.map { ("\(entry.path).bias", $0) } }
        case .all: extra = model.baseNamedParameters().filter { $0.name.hasSuffix("bias") }
        }
        for path in settings.modulesToSave {
            guard let module = model.module(at: path) else { throw StrategyError.noMatch(pattern: path, what: "module to save") }
            extra += module.baseNamedParameters()
                .map { (path.isEmpty ? $0.name : "\(path).\($0.name)", $0.tensor) }
        }
        for (parameterPath, tensor) in extra {
            let (modulePath, leaf) = Module.splitParameterPath(parameterPath)
            let base = adaptedPaths.contains(modulePath) ? ".base_layer." : "."
            let key = modulePath.isEmpty ? leaf : hfModulePath(modulePath) + base + leaf
            tensors[prefix + key] = tensor.contiguous()
        }

        let json: [String: Any] = [
            "r": settings.rank,
            "lora_alpha": settings.alpha.rounded() == settings.alpha ? Int(settings.alpha) as Any : settings.alpha as Any,
            "lora_dropout": settings.dropout,
            "target_modules": layers.map { hfModulePath($0.path) },
            "use_rslora": settings.useRSLoRA,
            "use_dora": settings.useDoRA,
            "modules_to_save": settings.modulesToSave.isEmpty ? NSNull() : settings.modulesToSave.map(hfModulePath) as Any,
            "bias": settings.bias.rawValue,
            "init_lora_weights": settings.initialization == .kaiming ? true as Any : settings.initialization.rawValue as Any,
            "layers_to_transform": settings.layersToTransform.map { $0 as Any } ?? NSNull(),
            "layers_pattern": NSNull(),
            "rank_pattern": [String: Any](),
            "alpha_pattern": [String: Any](),
        ]
        return (tensors, json)
    }

    static func loadPEFT(config json: [String: Any], configURL: URL, weightsURL: URL, into model: Module,
                         as name: String, hfModulePath: (String) -> String) throws -> PEFTAdapterConfig {
        var config = try readLoRAConfig(json, url: configURL)
        let tensors = try SafeTensors.load(contentsOf: weightsURL)
        let prefix = Module.peftPrefix
        let (linears, modulesByHF, parameters) = model.hfLookup(hfModulePath)

        struct Pieces { var a: Tensor?, b: Tensor?, magnitude: Tensor? }
        var pieces: [String: Pieces] = [:]
        var assignments: [(Tensor, Tensor)] = []
        var missing: [String] = []
        for (key, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
            guard key.hasPrefix(prefix) else {
                throw StrategyError.invalidAdapterFile(file: weightsURL.path, reason: "key '\(key)' does not start with '\(prefix)'")
            }
            let body = String(key.dropFirst(prefix.count))
            if let (module, piece) = peftPiece(body) {
                guard linears[module] != nil else { missing.append(module); continue }
                switch piece {
                case "lora_A": pieces[module, default: Pieces()].a = tensor
                case "lora_B": pieces[module, default: Pieces()].b = tensor
                default: pieces[module, default: Pieces()].magnitude = tensor
                }
            } else {
                guard let parameter = try Module.savedParameter(body, tensor, parameters: parameters, file: weightsURL.path) else {
                    missing.append(Module.splitParameterPath(body.replacingOccurrences(of: ".base_layer.", with: ".")).module)
                    continue
                }
                assignments.append((parameter, tensor))
            }
        }
        if !missing.isEmpty {
            throw StrategyError.adapterTargetsNotFound(file: weightsURL.path, modules: Array(Set(missing)).sorted())
        }
        // Build every adapter before attaching any, so a bad shape changes nothing.
        var built: [(any AdapterHost, LoRAAdapter)] = []
        var construction = config
        construction.initialization = .kaiming   // the file holds the factors; never rewrite W here
        construction.useDoRA = false
        for (module, piece) in pieces.sorted(by: { $0.key < $1.key }) {
            guard let (path, layer) = linears[module] else { continue }   // checked above
            guard let a = piece.a, let b = piece.b else {
                throw StrategyError.invalidAdapterFile(file: weightsURL.path, reason: "\(module) lacks lora_A or lora_B")
            }
            guard a.shape == [config.rank, layer.inFeatures], b.shape == [layer.outFeatures, config.rank] else {
                throw StrategyError.invalidAdapterFile(
                    file: weightsURL.path,
                    reason: "\(module): lora_A \(a.shape) / lora_B \(b.shape) do not fit r=\(config.rank) and weight \([layer.outFeatures, layer.inFeatures])")
            }
            if let m = piece.magnitude, m.shape != [layer.outFeatures] {
                throw StrategyError.invalidAdapterFile(
                    file: weightsURL.path, reason: "\(module): lora_magnitude_vector \(m.shape) does not fit \(layer.outFeatures) outputs")
            }
            guard layer.adapters[name] == nil else { throw StrategyError.adapterExists(name) }
            let adapter = try LoRAAdapter(for: layer, config: construction, path: path)
            adapter.config = config
            let dtype = layer.computeDType
            withGradientsDisabled {
                adapter.loraA.assign(a.cast(to: dtype))
                adapter.loraB.assign(b.cast(to: dtype))
                if let m = piece.magnitude {
                    adapter.magnitude = m.cast(to: dtype).contiguous().requiringGrad(true)
                }
            }
            built.append((layer, adapter))
        }
        guard !built.isEmpty else {
            throw StrategyError.invalidAdapterFile(file: weightsURL.path, reason: "no lora_A/lora_B tensors")
        }
        config.useDoRA = built.contains { $0.1.magnitude != nil }
        for (layer, adapter) in built { try layer.addAdapter(adapter, named: name) }
        withGradientsDisabled { for (parameter, source) in assignments { parameter.assign(source.cast(to: parameter.dtype)) } }
        // Modules to save are given in Hugging Face names in the file; keep ours in the config.
        config.modulesToSave = Module.ourModules(config.modulesToSave, modulesByHF)
        for (_, adapter) in built { adapter.config = config }
        return .lora(config)
    }

    /// `"<module>.lora_A.weight"` → (module, "lora_A"); also lora_B and lora_magnitude_vector.
    static func peftPiece(_ key: String) -> (String, String)? {
        for (suffix, piece) in [(".lora_A.weight", "lora_A"), (".lora_B.weight", "lora_B"),
                                (".lora_magnitude_vector", "magnitude"), (".lora_magnitude_vector.weight", "magnitude")]
        where key.hasSuffix(suffix) {
            return (String(key.dropLast(suffix.count)), piece)
        }
        return nil
    }

    /// The LoRA settings of an `adapter_config.json` (its `peft_type` already checked).
    static func readLoRAConfig(_ json: [String: Any], url: URL) throws -> LoRAConfig {
        func bad(_ reason: String) -> StrategyError { .invalidAdapterFile(file: url.path, reason: reason) }
        let fields = AdapterConfigFields(json: json, url: url)
        guard let rank = try fields.int("r", in: 1...AdapterConfigFields.maximumRank) else { throw bad("'r' must be a positive integer") }
        let alpha = try fields.double("lora_alpha", where: { $0 > 0 }, expected: "a positive number") ?? 8
        // Dropout(p) needs 0 ≤ p < 1 (p = 1 would divide by zero).
        let dropout = try fields.double("lora_dropout", where: { $0 >= 0 && $0 < 1 }, expected: "in [0, 1)") ?? 0
        var config = LoRAConfig(rank: rank, alpha: alpha, dropout: dropout)
        if let targets = try fields.strings("target_modules") { config.targetModules = targets }
        config.layersToTransform = try fields.indices("layers_to_transform")
        if let bias = try fields.string("bias") {
            guard let mode = LoRAConfig.BiasMode(rawValue: bias) else { throw bad("unknown bias mode '\(bias)'") }
            config.bias = mode
        }
        config.modulesToSave = try fields.strings("modules_to_save") ?? []
        config.useRSLoRA = try fields.bool("use_rslora") ?? false
        config.useDoRA = try fields.bool("use_dora") ?? false
        // `fan_in_fan_out` describes how the base layer stores its weight (GPT-2's Conv1D, `[in, out]`);
        // the factors are `[r, in]` and `[out, r]` either way, and our Linear is `[out, in]`, so it
        // changes nothing here.
        if let rankPattern = json["rank_pattern"] as? [String: Any], !rankPattern.isEmpty { throw bad("rank_pattern is not supported") }
        if let alphaPattern = json["alpha_pattern"] as? [String: Any], !alphaPattern.isEmpty { throw bad("alpha_pattern is not supported") }
        if let mode = json["init_lora_weights"] as? String, let initialization = LoRAConfig.Initialization(rawValue: mode.lowercased()) {
            config.initialization = initialization
        }
        return config
    }
}
